/**
 * Apple Push Notification service over HTTP/2 with token-based auth: one HTTP/2 session per provider, reused for
 * every push (APNs asks providers to keep connections open rather than reconnect per push), at most
 * `maxConcurrent` streams at once. The provider JWT (ES256, `kid` = key id, `iss` = team id) is reused for 50
 * minutes: APNs refuses tokens older than an hour and throttles providers that mint new ones too often.
 *
 * `http://` endpoints speak cleartext HTTP/2 (h2c) for local test servers; Apple's own hosts are https.
 */
import http2 from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import { type AddressPolicy, addressLiteral } from '../../domain/network-address.js';
import { guardedLookup, OutboundRefused, type Resolver, systemResolver } from '../outbound/guarded-lookup.js';
import {
  classifyStatus,
  failure,
  PUSH_REQUEST_TIMEOUT_MS,
  type PushMessage,
  type PushProvider,
  type PushResult,
  retryAfterMs,
  Slots,
} from './push-provider.js';

export interface ApnsSettings {
  name: string;
  keyPem: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id; VoIP pushes go to `<topic>.voip`. */
  topic: string;
  endpoint: string;
  maxConcurrent?: number;
  /** Where the endpoint may point: public addresses plus the operator's allow-list. */
  policy: AddressPolicy;
  resolve?: Resolver;
}

export const APNS_PRODUCTION = 'https://api.push.apple.com';
export const APNS_DEVELOPMENT = 'https://api.sandbox.push.apple.com';
const JWT_REUSE_MS = 50 * 60 * 1000;
/** Answers that mean the token will never work again: remove the device. */
const DEAD_TOKEN_REASONS = new Set(['BadDeviceToken', 'Unregistered']);

export class ApnsProvider implements PushProvider {
  readonly type = 'apn' as const;
  readonly name: string;
  private session: http2.ClientHttp2Session | undefined;
  private jwt: { value: string; mintedAt: number } | undefined;
  /** The mint in progress: the first burst of sends shares one signature instead of each minting its own. */
  private minting: Promise<string> | undefined;
  private readonly slots: Slots;
  private closed = false;

  constructor(private readonly settings: ApnsSettings) {
    this.name = settings.name;
    this.slots = new Slots(settings.maxConcurrent ?? 500);
  }

  send(message: PushMessage): Promise<PushResult> {
    return this.slots.run(() => this.request(message));
  }

  private async request(message: PushMessage): Promise<PushResult> {
    if (this.closed) return { outcome: 'retry', status: null, error: 'provider closed' };
    let authorization: string;
    try {
      authorization = `bearer ${await this.providerToken()}`;
    } catch (err) {
      return { outcome: 'failed', status: null, error: `cannot sign the provider token: ${String(err)}` };
    }
    const body = JSON.stringify(apnsPayload(message));
    const headers = {
      ':method': 'POST',
      ':path': `/3/device/${message.token}`,
      authorization,
      'apns-topic': message.kind === 'voip' ? `${this.settings.topic}.voip` : this.settings.topic,
      'apns-push-type': message.kind,
      'apns-expiration': String(message.expiresAt),
      'apns-priority': '10',
      'content-type': 'application/json',
    };
    return new Promise<PushResult>((resolve) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.connection().request(headers);
      } catch (err) {
        this.dropSession();
        resolve(failure('APNs connection failed', err));
        return;
      }
      let status = 0;
      let retryAfter: number | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.setTimeout(PUSH_REQUEST_TIMEOUT_MS, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on('response', (h) => {
        status = Number(h[':status']);
        retryAfter = retryAfterMs(h['retry-after']);
      });
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 4096) chunks.push(chunk); // APNs error bodies are tiny; never buffer a hostile peer's stream
      });
      let streamError: unknown;
      stream.on('error', (err) => {
        streamError = err; // 'close' reports it
      });
      stream.on('close', () => {
        if (status === 0) {
          resolve(failure('APNs stream closed without an answer', streamError ?? 'no answer'));
          return;
        }
        resolve(this.classify(status, Buffer.concat(chunks).toString('utf8'), retryAfter));
      });
      stream.end(body);
    });
  }

  private classify(status: number, text: string, retryAfter: number | undefined): PushResult {
    let reason = '';
    try {
      reason = String((JSON.parse(text) as { reason?: unknown }).reason ?? '');
    } catch {
      reason = text.slice(0, 200);
    }
    if (status === 410 || (status === 400 && DEAD_TOKEN_REASONS.has(reason))) {
      return { outcome: 'unregistered', status, error: reason || 'Unregistered' };
    }
    if (status === 403 && reason === 'ExpiredProviderToken') {
      this.jwt = undefined; // mint a fresh one for the retry
      return { outcome: 'retry', status, error: reason };
    }
    return classifyStatus(status, reason ? `APNs: ${reason}` : `APNs answered ${status}`, retryAfter);
  }

  private connection(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    // An address literal is connected to without a lookup, so it is checked here; names go through the guard.
    const literal = addressLiteral(new URL(this.settings.endpoint).hostname);
    const refusal = literal === undefined ? undefined : this.settings.policy.refusal(literal);
    if (refusal) throw new OutboundRefused(`refused to connect to ${this.settings.endpoint}: ${refusal}`);
    const session = http2.connect(this.settings.endpoint, {
      lookup: guardedLookup(this.settings.policy, this.settings.resolve ?? systemResolver),
    });
    session.on('error', () => this.dropSession(session));
    session.on('goaway', () => this.dropSession(session));
    session.on('close', () => this.dropSession(session));
    // An idle connection must not keep the process alive on its own.
    session.unref();
    this.session = session;
    return session;
  }

  private dropSession(which = this.session): void {
    if (this.session === which) this.session = undefined;
    if (which && !which.destroyed) which.destroy();
  }

  private providerToken(): Promise<string> {
    if (this.jwt && Date.now() - this.jwt.mintedAt < JWT_REUSE_MS) return Promise.resolve(this.jwt.value);
    this.minting ??= this.mint().finally(() => {
      this.minting = undefined;
    });
    return this.minting;
  }

  private async mint(): Promise<string> {
    const now = Date.now();
    const key = await importPKCS8(this.settings.keyPem, 'ES256');
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.settings.keyId })
      .setIssuer(this.settings.teamId)
      .setIssuedAt(Math.floor(now / 1000))
      .sign(key);
    this.jwt = { value, mintedAt: now };
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    if (session && !session.closed) await new Promise<void>((resolve) => session.close(() => resolve()));
  }
}

/** The JSON body: `aps` for the system (VoIP: empty, the app's PushKit handler shows the call), the rest for the app. */
export function apnsPayload(message: PushMessage): Record<string, unknown> {
  const aps =
    message.kind === 'voip'
      ? {}
      : { alert: { title: message.title, body: message.body }, sound: 'default', 'mutable-content': 1 };
  return { aps, ...message.data };
}
