/**
 * The client-side entry point: one user, a user token, the realtime connection and the calls it watches. Runs in
 * browsers and in Node (pass `ws`'s WebSocket class on Node 20, which has no global WebSocket).
 */

import type { CreateDeviceRequest, Device, EmptyResponse, ListDevicesResponse } from '@switchboard/protocol';
import { type CallEvent, type ConnectionOkEvent, type Custom, ErrorCode } from '@switchboard/protocol/wire';
import type { AuthProvider } from '../auth.js';
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from '../defaults.js';
import { SwitchboardError } from '../errors.js';
import { HttpClient } from '../http-client.js';
import { type CallOwner, ClientCall } from './client-call.js';
import { type EventName, type Listener, Listeners } from './listeners.js';
import { type ConnectionState, RealtimeConnection, type WebSocketConstructor } from './realtime-connection.js';

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
  /** Default 10 s. The same backoff paces retries of a failed re-watch after a reconnect. */
  reconnectMaxDelayMs?: number;
  /** The `fetch` for REST calls; defaults to the global one. */
  fetch?: typeof fetch;
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
  readonly #retryDelay: { initialMs: number; maxMs: number };
  #token: string | undefined;
  /** Bumped per reconnect: a re-watch round that a newer reconnect (or `disconnect`) superseded stops retrying. */
  #recoveryRound = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

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
      fetch: options.fetch,
    });
    this.#retryDelay = {
      initialMs: options.reconnectInitialDelayMs ?? 250,
      maxMs: options.reconnectMaxDelayMs ?? 10_000,
    };
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
      reconnectInitialDelayMs: this.#retryDelay.initialMs,
      reconnectMaxDelayMs: this.#retryDelay.maxMs,
      onOpen: (ok, reconnected) => this.#onOpen(ok, reconnected),
      onEvent: (event) => this.#onEvent(event),
      onOffline: () => this.#listeners.emit('connection.changed', { type: 'connection.changed', online: false }, false),
      // A resume watches these again before the server replays what was missed (re-watching by REST follows).
      watchedCalls: () => [...this.#watched].map((call) => call.cid),
      onResync: (event) => this.#listeners.emit('connection.resync', event, false),
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

  /** The id of the last call event received; a reconnect resumes from it (docs/realtime.md "Resuming"). */
  get lastEventId(): string | undefined {
    return this.#connection.lastEventId;
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
    this.#recoveryRound++;
    clearTimeout(this.#retryTimer);
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
    void this.#rewatchAll(++this.#recoveryRound, [...this.#watched], 0);
  }

  /**
   * Re-watches `calls` over the current connection; retries the ones that failed (with the reconnect backoff) until
   * all are watched, then emits `connection.recovered`. Each failure is reported (`connection.rewatch_failed`) so an
   * app can tell that a call's events are missing. Gone or forbidden calls are dropped instead of retried.
   */
  async #rewatchAll(round: number, calls: ClientCall[], attempt: number): Promise<void> {
    const failed: ClientCall[] = [];
    await Promise.all(
      calls.map((call) =>
        call.rewatch().catch((error: unknown) => {
          const code = error instanceof SwitchboardError ? error.code : undefined;
          const gone = code === ErrorCode.DoesNotExist || code === ErrorCode.NotAllowed;
          if (gone) this.#watched.delete(call);
          else failed.push(call);
          if (round !== this.#recoveryRound) return;
          const event = { type: 'connection.rewatch_failed', call_cid: call.cid, error, will_retry: !gone } as const;
          this.#listeners.emit('connection.rewatch_failed', event, false);
        }),
      ),
    );
    // A newer reconnect started its own round over its own connection: this one's results no longer matter.
    if (round !== this.#recoveryRound) return;
    if (failed.length === 0) {
      this.#listeners.emit('connection.recovered', { type: 'connection.recovered' }, false);
      return;
    }
    const ceiling = Math.min(this.#retryDelay.maxMs, this.#retryDelay.initialMs * 2 ** attempt);
    const delayMs = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (round === this.#recoveryRound) void this.#rewatchAll(round, failed, attempt + 1);
    }, delayMs);
  }

  #onEvent(event: CallEvent): void {
    this.#calls.get(event.call_cid)?.applyEvent(event);
    this.#listeners.emit(event.type, event, true);
  }
}
