/**
 * Local peers that speak the real push protocols, for tests and the benchmark (Apple and Google cannot be reached
 * here). Each checks what a real service checks and records what it accepted; `script` picks the answer per
 * device. Tests wait with `until`, never with sleeps.
 *
 * - ApnsPeer: cleartext HTTP/2; path `/3/device/<token>`, `authorization: bearer <ES256 JWT>` verified with the
 *   key's public half (`kid`, `iss`), `apns-topic`, `apns-push-type`, `apns-expiration`, JSON body with `aps`.
 * - FcmPeer: the OAuth2 JWT-bearer grant (RS256 assertion verified with the service account's public key, `aud` =
 *   the token URI, the messaging scope), then `messages:send` with that access token and a `message.token`.
 * - WebPushReceiver: a subscription (P-256 key pair + auth secret) whose endpoint checks the VAPID header
 *   (RFC 8292) and decrypts the aes128gcm body (RFC 8291) with the subscription's private key.
 */
import { createDecipheriv, createECDH, generateKeyPairSync, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a peer accepted (after its checks) or refused, in arrival order. */
export interface Received {
  token: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  answered: number;
  /** A check the request failed (the peer answered 400/403); undefined when it was well-formed. */
  problem?: string;
  /** When the peer had read the request (epoch ms), before answering it: the service's own clock. */
  at: number;
}

class Recorder {
  readonly received: Received[] = [];
  private readonly changed = new EventEmitter();
  script: (token: string) => Answer = () => ({ status: 200 });

  protected record(entry: Omit<Received, 'at'>): void {
    this.received.push({ ...entry, at: Date.now() });
    this.changed.emit('received');
  }

  /** Resolves once `condition` holds over what was received; rejects after `timeoutMs` naming `what`. */
  async until(what: string, condition: (received: Received[]) => boolean, timeoutMs = 15_000): Promise<void> {
    if (condition(this.received)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.changed.off('received', check);
        reject(new Error(`timed out waiting for ${what} (${this.received.length} requests so far)`));
      }, timeoutMs);
      const check = () => {
        if (!condition(this.received)) return;
        clearTimeout(timer);
        this.changed.off('received', check);
        resolve();
      };
      this.changed.on('received', check);
    });
  }
}

function lowerHeaders(h: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

export class ApnsPeer extends Recorder {
  readonly keyPem: string;
  readonly keyId = 'ABC123DEFG';
  readonly teamId = 'TEAM123456';
  readonly topic = 'com.example.switchboard';
  private readonly publicKey: KeyObject;
  private server!: http2.Http2Server;
  url = '';
  /** Every HTTP/2 connection the peer accepted (a provider should reuse one). */
  connections = 0;
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor() {
    super();
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKey = pair.publicKey;
  }

  async start(): Promise<this> {
    this.server = http2.createServer();
    this.server.on('session', (session) => {
      this.connections++;
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    this.server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void this.handle(headers, Buffer.concat(chunks).toString('utf8')).then((answer) => {
          if (stream.destroyed) return;
          stream.respond({ ':status': answer.status, 'content-type': 'application/json', ...answer.headers });
          stream.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        });
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(raw: http2.IncomingHttpHeaders, text: string): Promise<Answer> {
    const headers = lowerHeaders(raw);
    const token = /^\/3\/device\/([0-9a-f]+)$/.exec(headers[':path'] ?? '')?.[1] ?? '';
    const refuse = (status: number, reason: string): Answer => {
      this.record({ token, headers, body: {}, answered: status, problem: reason });
      return { status, body: { reason } };
    };
    if (headers[':method'] !== 'POST' || !token) return refuse(404, 'BadPath');
    const jwt = /^bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!jwt) return refuse(403, 'MissingProviderToken');
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.alg !== 'ES256' || header.kid !== this.keyId) return refuse(403, 'InvalidProviderToken');
      const { payload } = await jwtVerify(jwt, this.publicKey, { issuer: this.teamId, algorithms: ['ES256'] });
      if (typeof payload.iat !== 'number') return refuse(403, 'InvalidProviderToken');
    } catch {
      return refuse(403, 'InvalidProviderToken');
    }
    const type = headers['apns-push-type'];
    if (type !== 'alert' && type !== 'voip') return refuse(400, 'InvalidPushType');
    const wantTopic = type === 'voip' ? `${this.topic}.voip` : this.topic;
    if (headers['apns-topic'] !== wantTopic) return refuse(400, 'DeviceTokenNotForTopic');
    if (!/^\d+$/.test(headers['apns-expiration'] ?? '')) return refuse(400, 'BadExpirationDate');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return refuse(400, 'PayloadEmpty');
    }
    if (typeof body.aps !== 'object' || body.aps === null) return refuse(400, 'PayloadEmpty');
    const answer = this.script(token);
    this.record({ token, headers, body, answered: answer.status });
    return answer;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Sessions left open by a client would hold close() forever.
      for (const s of this.sessions) s.destroy();
    });
  }
}

export class FcmPeer extends Recorder {
  readonly projectId = 'switchboard-test';
  readonly clientEmail = 'push@switchboard-test.iam.gserviceaccount.com';
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private readonly tokens = new Set<string>();
  grants = 0;
  private server!: http.Server;
  url = '';

  constructor() {
    super();
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKey = pair.publicKey;
  }

  get tokenUri(): string {
    return `${this.url}/token`;
  }

  serviceAccountJson(): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: this.projectId,
      client_email: this.clientEmail,
      private_key: this.privateKeyPem,
      token_uri: this.tokenUri,
    });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks).toString('utf8')).then((answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(JSON.stringify(answer.body ?? {}));
        });
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(req: http.IncomingMessage, text: string): Promise<Answer> {
    const headers = lowerHeaders(req.headers as Record<string, unknown>);
    if (req.url === '/token') return this.grant(headers, text);
    const token = '';
    const refuse = (status: number, why: string): Answer => {
      this.record({ token, headers, body: {}, answered: status, problem: why });
      return { status, body: { error: { code: status, status: 'INVALID_ARGUMENT', message: why } } };
    };
    if (req.method !== 'POST' || req.url !== `/v1/projects/${this.projectId}/messages:send`) {
      return refuse(404, `unexpected ${req.method} ${req.url}`);
    }
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer)) return { status: 401, body: { error: { status: 'UNAUTHENTICATED' } } };
    let body: { message?: { token?: unknown; data?: Record<string, unknown> } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const message = body.message;
    if (typeof message?.token !== 'string') return refuse(400, 'message.token missing');
    // FCM data values must all be strings.
    if (Object.values(message.data ?? {}).some((v) => typeof v !== 'string'))
      return refuse(400, 'data must be strings');
    const answer = this.script(message.token);
    this.record({ token: message.token, headers, body: body as Record<string, unknown>, answered: answer.status });
    return answer;
  }

  private async grant(headers: Record<string, string>, text: string): Promise<Answer> {
    const form = new URLSearchParams(text);
    if (headers['content-type'] !== 'application/x-www-form-urlencoded')
      return { status: 400, body: { error: 'bad content type' } };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', this.publicKey, {
        issuer: this.clientEmail,
        audience: this.tokenUri,
        algorithms: ['RS256'],
      });
      if (!String(payload.scope).split(' ').includes('https://www.googleapis.com/auth/firebase.messaging')) {
        return { status: 400, body: { error: 'invalid_scope' } };
      }
    } catch {
      return { status: 400, body: { error: 'invalid_grant' } };
    }
    const access = randomBytes(16).toString('hex');
    this.tokens.add(access);
    this.grants++;
    return { status: 200, body: { access_token: access, expires_in: 3599, token_type: 'Bearer' } };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One browser subscription and its push service endpoint. */
export class WebPushReceiver extends Recorder {
  private readonly ecdh = createECDH('prime256v1');
  private readonly auth = randomBytes(16);
  readonly vapid: { publicKey: string; privateKey: string };
  private server!: http.Server;
  url = '';

  constructor() {
    super();
    this.ecdh.generateKeys();
    const v = createECDH('prime256v1');
    v.generateKeys();
    const privateKey = v.getPrivateKey();
    this.vapid = {
      publicKey: v.getPublicKey().toString('base64url'),
      // getPrivateKey() drops leading zero bytes (1 key in 256 is 31 bytes); a VAPID private key is always the
      // 32-byte big-endian scalar, as web-push generates and checks it.
      privateKey: Buffer.concat([Buffer.alloc(32 - privateKey.length), privateKey]).toString('base64url'),
    };
  }

  /** The device id a browser would register: the subscription JSON. */
  subscription(path = '/push/sub-1'): string {
    return JSON.stringify({
      endpoint: `${this.url}${path}`,
      keys: { p256dh: this.ecdh.getPublicKey().toString('base64url'), auth: this.auth.toString('base64url') },
    });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks)).then((answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end();
        });
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const headers = lowerHeaders(req.headers as Record<string, unknown>);
    const token = req.url ?? '';
    const refuse = (status: number, why: string): Answer => {
      this.record({ token, headers, body: {}, answered: status, problem: why });
      return { status };
    };
    if (headers['content-encoding'] !== 'aes128gcm') return refuse(400, 'content-encoding must be aes128gcm');
    if (!/^\d+$/.test(headers.ttl ?? '')) return refuse(400, 'TTL header missing');
    const vapid = /^vapid t=([^,]+),\s*k=(.+)$/.exec(headers.authorization ?? '');
    if (!vapid || vapid[2] !== this.vapid.publicKey) return refuse(401, 'VAPID header missing or another key');
    try {
      const point = Buffer.from(vapid[2], 'base64url');
      const jwk = {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      };
      const { payload } = await jwtVerify(vapid[1] ?? '', await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
      if (payload.aud !== new URL(this.url).origin) return refuse(403, 'VAPID aud is not the push service origin');
    } catch {
      return refuse(403, 'VAPID JWT does not verify');
    }
    let plain: string;
    try {
      plain = this.decrypt(body);
    } catch (err) {
      return refuse(400, `cannot decrypt: ${String(err)}`);
    }
    const answer = this.script(token);
    this.record({ token, headers, body: JSON.parse(plain) as Record<string, unknown>, answered: answer.status });
    return answer.status === 200 ? { ...answer, status: 201 } : answer;
  }

  /** RFC 8291 / RFC 8188: one aes128gcm record, keys from the ECDH secret and the subscription's auth secret. */
  private decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const idLength = body[20] ?? 0;
    const senderPublic = body.subarray(21, 21 + idLength);
    const ciphertext = body.subarray(21 + idLength);
    const shared = this.ecdh.computeSecret(senderPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.ecdh.getPublicKey(), senderPublic]);
    const ikm = Buffer.from(hkdfSync('sha256', shared, this.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    // The last record ends with the delimiter 0x02 followed by zero padding.
    const end = padded.lastIndexOf(2);
    if (end < 0) throw new Error('no padding delimiter');
    return padded.subarray(0, end).toString('utf8');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
