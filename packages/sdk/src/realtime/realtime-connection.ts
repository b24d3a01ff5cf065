/**
 * The client side of the realtime connection (docs/api.md "Realtime connection"): open the socket, authenticate with
 * the first message, keep it alive with health checks, and reconnect with backoff after any close except 1000
 * (auth rejected) or a close the app asked for.
 *
 * Works with any WHATWG-style WebSocket class (browsers, Node 22's global, or `ws`'s in Node 20, which has no
 * global WebSocket): only `on{open,message,close,error}`, `send`, `close` and `readyState` are used.
 */
import {
  type APIErrorBody,
  type CallEvent,
  CloseCode,
  type ConnectionOkEvent,
  type ConnectionResyncEvent,
  type Custom,
  ErrorCode,
} from '@switchboard/protocol/wire';
import { SwitchboardError } from '../errors.js';
import { reconnectDelayMs } from './reconnect-delay.js';
import { MAX_RESUME_WATCHES } from './resume-limits.js';
import { SeenEvents } from './seen-events.js';

/** A WebSocket class: `globalThis.WebSocket` in browsers, `import WebSocket from 'ws'` in Node 20. */
export type WebSocketConstructor = new (url: string) => object;

interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface UserDetails {
  id: string;
  name?: string;
  image?: string;
  custom?: Custom;
}

export interface RealtimeConnectionOptions {
  /** `ws(s)://host/video/connect?api_key=…&stream-auth-type=jwt`. */
  url: string;
  token: () => Promise<string>;
  /** Whether `token` can produce a fresh token (then an expired one is retried once with a new one). */
  refreshableToken: boolean;
  user: UserDetails;
  WebSocket: WebSocketConstructor;
  healthCheckIntervalMs: number;
  /** With nothing heard for this long the socket is considered dead and replaced. */
  silenceTimeoutMs: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  onOpen(ok: ConnectionOkEvent, reconnected: boolean): void;
  /** Each call event once (a resume may send one again: dropped by id). */
  onEvent(event: CallEvent): void;
  onOffline(): void;
  /** The calls to watch again at once on a resume (cids). */
  watchedCalls?(): string[];
  /** The server could not replay what a resume missed: the app must re-read its state. */
  onResync?(event: ConnectionResyncEvent): void;
}

const OPEN = 1;

/**
 * `idle` before `connect()`; `connecting` until `connection.ok`; `reconnecting` while waiting to retry after a
 * transient close; `closed` after `disconnect()` or an auth rejection (no retry).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export class RealtimeConnection {
  readonly #options: RealtimeConnectionOptions;
  #socket: WebSocketLike | undefined;
  #connectionId: string | undefined;
  #lastOk: ConnectionOkEvent | undefined;
  #pending:
    | { promise: Promise<ConnectionOkEvent>; resolve: (ok: ConnectionOkEvent) => void; reject: (e: Error) => void }
    | undefined;
  #wanted = false;
  /** Set by `disconnect()` and by an auth rejection. */
  #stopped = false;
  #everConnected = false;
  #attempt = 0;
  /** When the node last closed with 4010 (draining), until the next `connection.ok`. */
  #drainedAt: number | undefined;
  #retriedExpiredToken = false;
  #lastError: SwitchboardError | undefined;
  #lastHeardAt = 0;
  /** Resume point and recent ids (a reconnect resumes from the last event received). */
  readonly #seen = new SeenEvents();
  #healthTimer: ReturnType<typeof setInterval> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RealtimeConnectionOptions) {
    this.#options = options;
  }

  get connectionId(): string | undefined {
    return this.#connectionId;
  }

  /** The id of the last call event received: the next connect resumes from it. */
  get lastEventId(): string | undefined {
    return this.#seen.lastEventId;
  }

  get state(): ConnectionState {
    if (this.#connectionId) return 'connected';
    if (this.#reconnectTimer) return 'reconnecting';
    if (this.#wanted) return 'connecting';
    return this.#stopped ? 'closed' : 'idle';
  }

  /** Resolves with `connection.ok` (now, if connected); rejects when the server refuses the credentials. */
  connect(): Promise<ConnectionOkEvent> {
    if (this.#connectionId && this.#lastOk) return Promise.resolve(this.#lastOk);
    this.#wanted = true;
    this.#stopped = false;
    if (this.#pending) return this.#pending.promise;
    let resolve!: (ok: ConnectionOkEvent) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<ConnectionOkEvent>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#pending = { promise, resolve, reject };
    if (!this.#socket && !this.#reconnectTimer) void this.#open();
    return promise;
  }

  /** The connection id once connected; waits for a connect in progress; undefined when not connecting. */
  async currentConnectionId(): Promise<string | undefined> {
    if (this.#connectionId) return this.#connectionId;
    if (!this.#pending) return undefined;
    return (await this.#pending.promise.catch(() => undefined))?.connection_id;
  }

  /** Closes with 1000 and stops reconnecting. */
  disconnect(): void {
    this.#wanted = false;
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const socket = this.#socket;
    this.#dropSocket();
    socket?.close(1000, 'client disconnect');
    this.#settle(undefined, new SwitchboardError('disconnected before connecting', { code: -1, status: 0 }));
  }

  async #open(): Promise<void> {
    let token: string;
    try {
      token = await this.#options.token();
    } catch (err) {
      this.#settle(undefined, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (!this.#wanted) return;
    const socket = new this.#options.WebSocket(this.#options.url) as WebSocketLike;
    this.#socket = socket;
    this.#lastError = undefined;
    socket.onopen = () => {
      socket.send(JSON.stringify({ token, products: ['video'], user_details: this.#options.user, ...this.#resume() }));
    };
    socket.onmessage = (event) => this.#onMessage(typeof event.data === 'string' ? event.data : String(event.data));
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#onClose(event.code);
    };
    socket.onerror = () => {}; // a close event follows
  }

  #onMessage(text: string): void {
    this.#lastHeardAt = Date.now();
    let message: { type?: string; [key: string]: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    switch (message.type) {
      case 'health.check':
        return;
      case 'connection.ok':
        this.#onOk(message as unknown as ConnectionOkEvent);
        return;
      case 'connection.resync':
        this.#seen.resynced(this.#lastOk?.last_event_id);
        this.#options.onResync?.(message as unknown as ConnectionResyncEvent);
        return;
      case 'connection.error':
        {
          const body = message.error as APIErrorBody | undefined;
          this.#lastError = SwitchboardError.fromResponse(body?.StatusCode ?? 401, 'connection.error', body);
        }
        return;
      default:
        if (typeof message.call_cid !== 'string') return;
        if (!this.#seen.accept(typeof message.id === 'string' ? message.id : undefined)) return;
        this.#options.onEvent(message as unknown as CallEvent);
    }
  }

  #onOk(ok: ConnectionOkEvent): void {
    const reconnected = this.#everConnected;
    this.#everConnected = true;
    this.#connectionId = ok.connection_id;
    this.#lastOk = ok;
    this.#seen.anchor(ok.last_event_id);
    this.#attempt = 0;
    this.#drainedAt = undefined;
    this.#retriedExpiredToken = false;
    this.#startHealthChecks();
    this.#settle(ok);
    this.#options.onOpen(ok, reconnected);
  }

  /** What the first message adds to resume: nothing until there is an event to resume from. */
  #resume(): { last_event_id?: string; watch_call_cids?: string[] } {
    const last = this.#seen.lastEventId;
    if (last === undefined) return {};
    const watched = (this.#options.watchedCalls?.() ?? []).slice(0, MAX_RESUME_WATCHES);
    return { last_event_id: last, ...(watched.length > 0 ? { watch_call_cids: watched } : {}) };
  }

  #onClose(code: number): void {
    const wasOpen = this.#connectionId !== undefined;
    this.#dropSocket();
    if (wasOpen) this.#options.onOffline();
    if (!this.#wanted) return;
    const error = this.#lastError;
    const expired = error?.code === ErrorCode.TokenExpired;
    if (code === CloseCode.AuthRejected && !(expired && this.#options.refreshableToken && !this.#retriedExpiredToken)) {
      // Refused: reconnecting with the same credentials cannot help.
      this.#wanted = false;
      this.#stopped = true;
      this.#settle(
        undefined,
        error ?? new SwitchboardError('connection closed by the server', { code: -1, status: 0 }),
      );
      return;
    }
    if (expired) this.#retriedExpiredToken = true;
    this.#scheduleReconnect(expired, code === CloseCode.ServerShutdown);
  }

  /**
   * `draining`: the node is shutting down (4010) and another node behind the same URL will take the connection:
   * retries start over and stay short for a while (reconnect-delay.ts).
   */
  #scheduleReconnect(now: boolean, draining = false): void {
    if (draining) {
      this.#attempt = 0;
      this.#drainedAt = Date.now();
    }
    const delay = reconnectDelayMs({
      attempt: this.#attempt,
      initialMs: this.#options.reconnectInitialDelayMs,
      maxMs: this.#options.reconnectMaxDelayMs,
      now,
      sinceDrainMs: this.#drainedAt === undefined ? undefined : Date.now() - this.#drainedAt,
      random: Math.random(),
    });
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#wanted) void this.#open();
    }, delay);
  }

  #startHealthChecks(): void {
    clearInterval(this.#healthTimer);
    this.#lastHeardAt = Date.now();
    this.#healthTimer = setInterval(() => {
      const socket = this.#socket;
      if (!socket) return;
      if (Date.now() - this.#lastHeardAt > this.#options.silenceTimeoutMs) {
        // Dead socket (no close will come in time): drop it and reconnect.
        this.#dropSocket();
        socket.close(CloseCode.HealthCheckTimeout, 'no health check');
        this.#options.onOffline();
        if (this.#wanted) this.#scheduleReconnect(true);
        return;
      }
      if (socket.readyState === OPEN) {
        socket.send(JSON.stringify([{ type: 'health.check', client_id: this.#connectionId ?? '' }]));
      }
    }, this.#options.healthCheckIntervalMs);
    unref(this.#healthTimer);
  }

  #dropSocket(): void {
    clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
    const socket = this.#socket;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onerror = null;
      socket.onclose = null;
    }
    this.#socket = undefined;
    this.#connectionId = undefined;
  }

  #settle(ok?: ConnectionOkEvent, error?: Error): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    if (ok) pending.resolve(ok);
    else pending.reject(error ?? new Error('not connected'));
  }
}

/** Lets Node exit while only the health-check timer is pending (no-op in browsers). */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
