/**
 * Firebase Cloud Messaging HTTP v1: an OAuth2 access token from the service account by the JWT-bearer grant
 * (RFC 7523: an RS256 JWT signed with the account's key, `aud` = its token URI), cached until shortly before it
 * expires and shared by concurrent sends; then `POST {endpoint}/v1/projects/{project}/messages:send` per device.
 * Messages are data messages (the app draws its own call screen); rings go out at high priority with no TTL.
 */
import { importPKCS8, SignJWT } from 'jose';
import type { AddressPolicy } from '../../domain/network-address.js';
import type { Resolver } from '../outbound/guarded-lookup.js';
import { OutboundHttp } from '../outbound/outbound-http.js';
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

export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri: string;
}

export interface FcmSettings {
  name: string;
  account: ServiceAccount;
  endpoint: string;
  maxConcurrent?: number;
  /** Where the endpoint and the token URI may point: public addresses plus the operator's allow-list. */
  policy: AddressPolicy;
  resolve?: Resolver;
}

export const FCM_ENDPOINT = 'https://fcm.googleapis.com';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Renew this long before the token's stated expiry, so a send never carries one that expires on the way. */
const EXPIRY_MARGIN_MS = 60_000;

export class FcmProvider implements PushProvider {
  readonly type = 'firebase' as const;
  readonly name: string;
  private token: { value: string; expiresAt: number } | undefined;
  private minting: Promise<string> | undefined;
  private readonly slots: Slots;
  private readonly http: OutboundHttp;

  constructor(private readonly settings: FcmSettings) {
    this.name = settings.name;
    this.slots = new Slots(settings.maxConcurrent ?? 256);
    this.http = new OutboundHttp({
      policy: settings.policy,
      ...(settings.resolve ? { resolve: settings.resolve } : {}),
    });
  }

  send(message: PushMessage): Promise<PushResult> {
    return this.slots.run(() => this.request(message));
  }

  private async request(message: PushMessage): Promise<PushResult> {
    let accessToken: string;
    try {
      accessToken = await this.accessToken();
    } catch (err) {
      return failure('FCM token grant failed', err);
    }
    const url = `${this.settings.endpoint}/v1/projects/${encodeURIComponent(this.settings.account.project_id)}/messages:send`;
    try {
      const res = await this.http.request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: fcmMessage(message) }),
        timeoutMs: PUSH_REQUEST_TIMEOUT_MS,
      });
      const text = res.text.slice(0, 4096);
      const error = fcmError(text);
      if (res.status === 404 || error.code === 'UNREGISTERED') {
        return { outcome: 'unregistered', status: res.status, error: error.code || 'NOT_FOUND' };
      }
      if (res.status === 401) {
        this.token = undefined; // revoked or expired early: grant a fresh one for the retry
        return { outcome: 'retry', status: 401, error: 'FCM refused the access token' };
      }
      return classifyStatus(
        res.status,
        `FCM: ${error.code || res.status} ${error.message}`.trim(),
        retryAfterMs(res.headers['retry-after']),
      );
    } catch (err) {
      return failure('FCM request failed', err);
    }
  }

  private accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt - EXPIRY_MARGIN_MS) return Promise.resolve(this.token.value);
    this.minting ??= this.grant().finally(() => {
      this.minting = undefined;
    });
    return this.minting;
  }

  private async grant(): Promise<string> {
    const { account } = this.settings;
    const key = await importPKCS8(account.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const res = await this.http.request(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      timeoutMs: PUSH_REQUEST_TIMEOUT_MS,
    });
    let json: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      json = JSON.parse(res.text) as typeof json;
    } catch {}
    const ok = res.status >= 200 && res.status < 300;
    if (!ok || typeof json?.access_token !== 'string') throw new Error(`token endpoint answered ${res.status}`);
    const lifetimeS = typeof json?.expires_in === 'number' ? json.expires_in : 3600;
    this.token = { value: json.access_token, expiresAt: Date.now() + lifetimeS * 1000 };
    return json.access_token;
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

export function fcmMessage(message: PushMessage): Record<string, unknown> {
  const ttlS = message.expiresAt === 0 ? 0 : Math.max(0, message.expiresAt - Math.floor(Date.now() / 1000));
  return {
    token: message.token,
    data: { ...message.data, title: message.title, body: message.body },
    android: { priority: 'high', ttl: `${ttlS}s` },
  };
}

/** The `errorCode` of FCM's error details (UNREGISTERED, ...) or its status, and the message. */
function fcmError(text: string): { code: string; message: string } {
  try {
    const error = (JSON.parse(text) as { error?: { status?: string; message?: string; details?: unknown[] } }).error;
    const detail = (error?.details ?? []).find((d) => typeof (d as { errorCode?: unknown }).errorCode === 'string');
    return {
      code: (detail as { errorCode?: string } | undefined)?.errorCode ?? error?.status ?? '',
      message: String(error?.message ?? '').slice(0, 200),
    };
  } catch {
    return { code: '', message: '' };
  }
}
