/**
 * The client-side entry point: one user, a user token, the realtime connection and the calls it watches. Runs in
 * browsers and in Node (pass `ws`'s WebSocket class on Node 20, which has no global WebSocket).
 */
import {
  type CallEvent,
  type ConnectionOkEvent,
  type CreateDeviceRequest,
  type Custom,
  type Device,
  type EmptyResponse,
  ErrorCode,
  type ListDevicesResponse,
} from '@switchboard/protocol';
import type { AuthProvider } from '../auth.js';
import { SwitchboardError } from '../errors.js';
import { HttpClient } from '../http-client.js';
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from '../switchboard-client.js';
import { type CallOwner, ClientCall } from './client-call.js';
import { type EventName, type Listener, Listeners } from './listeners.js';
import { type ConnectionState, RealtimeConnection, type WebSocketConstructor } from './realtime-connection.js';

/** Transient re-watch failures after a reconnect are retried this often, after 100, 200, 400, … ms. */
const REWATCH_RETRIES = 5;
const REWATCH_FIRST_DELAY_MS = 100;
export interface SwitchboardVideoClientOptions {
  apiKey: string;
  /** The connecting user; `name`, `image` and `custom` are stored on connect (the user is created if missing). */
  user: { id: string; name?: string; image?: string; custom?: Custom };
  /**
   * A user token, or a function returning one. A function is called before each connect, and again when the server
   * reports the token expired.
   */
  token: string | (() => string | Promise<string>);
  /** Origin of the Switchboard server (`/video/...` paths are appended). Default `http://127.0.0.1:3000`. */
  baseUrl?: string;
  /** WebSocket class; defaults to `globalThis.WebSocket`. On Node 20: `import WebSocket from 'ws'`. */
  WebSocket?: WebSocketConstructor;
  /** Per-request timeout for REST calls. */
  timeoutMs?: number;
  /** How often the client pings (`health.check`). Default 25 s. */
  healthCheckIntervalMs?: number;
  /** Silence after which the connection is replaced. Default 35 s. */
  silenceTimeoutMs?: number;
  /** First reconnect delay; it doubles (with jitter) per failed attempt up to `reconnectMaxDelayMs`. Default 250 ms. */
  reconnectInitialDelayMs?: number;
  /** Default 10 s. */
  reconnectMaxDelayMs?: number;
}

/**
 * @example
 * ```ts
 * import WebSocket from 'ws'; // Node 20 only; browsers have a global WebSocket
 * const client = new SwitchboardVideoClient({ apiKey, user: { id: 'bob' }, token, baseUrl, WebSocket });
 * client.on('call.ring', async (event) => {
 *   await client.call(event.call.type, event.call.id).accept();
 * });
 * await client.connect();
 * ```
 */
export class SwitchboardVideoClient {
  readonly user: SwitchboardVideoClientOptions['user'];
  readonly #http: HttpClient;
  readonly #listeners = new Listeners();
  readonly #connection: RealtimeConnection;
  readonly #calls = new Map<string, ClientCall>();
  readonly #watched = new Set<ClientCall>();
  readonly #owner: CallOwner;
  #token: string | undefined;

  constructor(options: SwitchboardVideoClientOptions) {
    if (!options.user?.id) throw new TypeError('Switchboard: user.id is required');
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass) {
      throw new TypeError('Switchboard: no global WebSocket here; pass one as `WebSocket` (e.g. from the ws package)');
    }
    this.user = options.user;
    const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    const source = options.token;
    const freshToken = async () => {
      this.#token = typeof source === 'function' ? await source() : source;
      return this.#token;
    };
    const auth: AuthProvider = async () => ({ type: 'jwt', token: this.#token ?? (await freshToken()) });
    this.#http = new HttpClient({
      apiUrl: baseUrl,
      apiKey: options.apiKey,
      auth,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    const url = new URL('/video/connect', baseUrl.replace(/^http/, 'ws'));
    url.searchParams.set('api_key', options.apiKey);
    url.searchParams.set('stream-auth-type', 'jwt');
    this.#connection = new RealtimeConnection({
      url: url.toString(),
      token: freshToken,
      refreshableToken: typeof source === 'function',
      user: options.user,
      WebSocket: WebSocketClass,
      healthCheckIntervalMs: options.healthCheckIntervalMs ?? 25_000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 35_000,
      reconnectInitialDelayMs: options.reconnectInitialDelayMs ?? 250,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 10_000,
      onOpen: (ok, reconnected) => this.#onOpen(ok, reconnected),
      onEvent: (event) => this.#onEvent(event),
      onOffline: () => this.#listeners.emit('connection.changed', { type: 'connection.changed', online: false }, false),
    });
    this.#owner = {
      http: this.#http,
      listeners: this.#listeners,
      connectionId: () => this.#connection.currentConnectionId(),
      watched: (call) => this.#watched.add(call),
    };
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** The current connection id, when connected. */
  get connectionId(): string | undefined {
    return this.#connection.connectionId;
  }

  /**
   * Opens the realtime connection. Resolves with `connection.ok`; rejects with a `SwitchboardError` carrying the
   * API code when the server refuses the credentials (e.g. 40: token expired). Network failures are retried.
   */
  connect(): Promise<ConnectionOkEvent> {
    return this.#connection.connect();
  }

  /** Closes the connection for good (no reconnect). */
  disconnect(): void {
    this.#connection.disconnect();
  }

  /**
   * Listens to events of every call (`*` for all), and to `connection.ok`, `connection.changed` and
   * `connection.recovered`. Returns the unsubscribe function.
   */
  on<T extends EventName>(name: T, listener: Listener<T>): () => void {
    return this.#listeners.on(name, listener);
  }

  /** Registers this user's push device (`id` is the push token; Web Push: the subscription JSON). */
  createDevice(body: Omit<CreateDeviceRequest, 'user_id'>): Promise<{ device: Device; duration: string }> {
    return this.#http.post('/video/devices', body);
  }

  /** This user's push devices, oldest first. */
  listDevices(): Promise<ListDevicesResponse> {
    return this.#http.get('/video/devices');
  }

  /** Removes one of this user's push devices (e.g. on sign-out). */
  deleteDevice(id: string): Promise<EmptyResponse> {
    return this.#http.delete('/video/devices', { id });
  }

  /** A handle on one call; the same object for the same call. */
  call(type: string, id: string): ClientCall {
    const cid = `${type}:${id}`;
    let call = this.#calls.get(cid);
    if (!call) {
      call = new ClientCall(this.#owner, type, id);
      this.#calls.set(cid, call);
    }
    return call;
  }

  #onOpen(ok: ConnectionOkEvent, reconnected: boolean): void {
    this.#listeners.emit('connection.ok', ok, false);
    if (!reconnected) return;
    this.#listeners.emit('connection.changed', { type: 'connection.changed', online: true }, false);
    // A new connection watches nothing: watch again every call watched before (presence keeps our place).
    const rewatches = [...this.#watched].map((call) => this.#rewatch(call, ok.connection_id));
    void Promise.all(rewatches).then(() =>
      this.#listeners.emit('connection.recovered', { type: 'connection.recovered' }, false),
    );
  }

  /**
   * A call that is gone or no longer readable is dropped. A transient failure (network, 429, 5xx: typically the
   * request reached a node that is draining while this connection moved to another) is retried a few times with
   * backoff while this connection lasts; anything else is retried on the next reconnect.
   */
  async #rewatch(call: ClientCall, connectionId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await call.rewatch();
        return;
      } catch (err) {
        const code = err instanceof SwitchboardError ? err.code : undefined;
        if (code === ErrorCode.DoesNotExist || code === ErrorCode.NotAllowed) {
          this.#watched.delete(call);
          return;
        }
        const status = err instanceof SwitchboardError ? err.status : 0;
        const transient = status === 0 || status === 429 || status >= 500;
        if (!transient || attempt >= REWATCH_RETRIES || this.connectionId !== connectionId) return;
        await new Promise((resolve) => setTimeout(resolve, REWATCH_FIRST_DELAY_MS * 2 ** attempt));
      }
    }
  }

  #onEvent(event: CallEvent): void {
    this.#calls.get(event.call_cid)?.applyEvent(event);
    this.#listeners.emit(event.type, event, true);
  }
}
