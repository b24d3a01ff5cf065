/**
 * The realtime gateway: WebSocket connections on the node's HTTP server (`/video/connect` and
 * `/api/v2/video/connect`), their handshake, health checks, and delivery of committed events from the bus.
 *
 *   client                         gateway                               services / bus
 *     │ GET /video/connect?api_key  │                                         │
 *     ├────────────── upgrade ─────►│ api_key wrong → connection.error, 1000 │
 *     │ {token, user_details}       │                                         │
 *     ├────────────────────────────►│ verify token, upsert user ─────────────►│
 *     │◄── connection.ok {connection_id, me}                                  │
 *     │ POST …?connection_id=…  (GetCall / GetOrCreateCall / JoinCall / QueryCalls watch)
 *     │                             │◄──────── RealtimePort.watch ────────────┤
 *     │◄── events of watched calls and of calls the user is a member of ◄── bus (after commit)
 *     │ [{type: health.check}] ⇄ {type: health.check, connection_id}          │
 *
 * Close codes (protocol CloseCode): 1000 auth rejected, or the user was deleted (reason `user deleted`; clients do
 * not reconnect); 4008 send queue full; 4009 no
 * frame from the client for `idleTimeoutMs`; 4010 server shutdown.
 *
 * Caps: `maxWebSockets` upgraded sockets per node (an upgrade past it is answered 503, before any WebSocket
 * exists); `maxConnectionsPerUser` open connections per user per node and the connect rate per user (refused in
 * the handshake with `connection.error` code 9, before the user's details are written).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CloseCode,
  type ConnectionErrorEvent,
  ConnectionEventType,
  type ConnectionOkEvent,
  ErrorCode,
  type HealthCheckEvent,
} from '@switchboard/protocol';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RemoteConnections } from '../cluster/remote-connections.js';
import { isoNow } from '../domain/clock.js';
import { ApiError, authFailed } from '../domain/errors.js';
import { errorBody, internalError, toApiError } from '../http/error-mapper.js';
import { parseJsonInput } from '../http/json-input.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { Authenticator } from '../services/authenticate.js';
import type { ServiceContext } from '../services/context.js';
import type { Presence } from '../services/presence.js';
import { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { EventRouter } from './event-router.js';
import { admitConnection, type ResumeRequest, readConnectMessage } from './handshake.js';
import { MemberDirectory } from './member-directory.js';
import type { RealtimeOptions } from './realtime-options.js';
import { Resumer } from './resume.js';
import { SocketCap } from './socket-cap.js';
import { WatchAccess } from './watch-access.js';

export const CONNECT_PATHS: ReadonlySet<string> = new Set(['/video/connect', '/api/v2/video/connect']);

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function tooManyConnections(max: number): ApiError {
  return new ApiError(
    ErrorCode.TooManyRequests,
    `too many realtime connections: a user may hold at most ${max} open on this server`,
  );
}

export interface GatewayDeps {
  ctx: ServiceContext;
  auth: Authenticator;
  logger: Logger;
  registry: ConnectionRegistry;
  presence: Presence;
  options: RealtimeOptions;
  /** Limits realtime connects per user (none when absent). */
  rateLimiter?: RateLimiter;
  /** In a cluster: the directory other nodes find this node's connections in. */
  remote?: RemoteConnections;
  /** Upgrades on other paths (the SFU's signaling): returns true when it took the socket. */
  otherUpgrades?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}

export interface GatewayStats {
  /** Authenticated connections. */
  connections: number;
  /** Upgraded sockets of any path (realtime and media signaling), authenticated or not. */
  webSockets: number;
  /** Sockets still waiting for their auth message. */
  authenticating: number;
  /** Closed connections whose participants are within their presence grace period. */
  presencePending: number;
}

export class RealtimeGateway {
  private readonly wss: WebSocketServer;
  private readonly router: EventRouter;
  private readonly resumer: Resumer;
  /** Every socket not yet closed, authenticated or not. */
  private readonly live = new Set<Connection>();
  /** Upgraded sockets of any path, bounded by `maxWebSockets`. */
  private readonly sockets: SocketCap;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** When the last sweep ran (a sweep much later than its interval follows a stall of the whole process). */
  private lastSweepAt: number | undefined;
  private unsubscribe: (() => void) | undefined;
  private closing = false;

  constructor(private readonly deps: GatewayDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.options.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.sockets = new SocketCap(deps.options.maxWebSockets);
    const access = new WatchAccess(deps.registry, () => deps.ctx);
    this.router = new EventRouter(deps.registry, new MemberDirectory(deps.ctx.store.read), access, deps.logger);
    this.resumer = new Resumer(
      deps.ctx,
      deps.registry,
      access,
      { maxEvents: deps.options.resumeMaxEvents, maxBytes: deps.options.resumeMaxBytes },
      deps.logger,
    );
  }

  /** Starts accepting connections on `server` and delivering events from the bus. */
  start(server: Server): void {
    server.on('upgrade', this.onUpgrade);
    this.unsubscribe = this.deps.ctx.bus.subscribe((event) => this.router.route(event));
    this.sweepTimer = setInterval(() => this.sweep(), this.deps.options.healthCheckIntervalMs);
    this.sweepTimer.unref();
  }

  stats(): GatewayStats {
    let authenticating = 0;
    for (const c of this.live) if (c.state === 'authenticating') authenticating++;
    return {
      connections: this.deps.registry.size,
      webSockets: this.sockets.size,
      authenticating,
      presencePending: this.deps.presence.pending,
    };
  }

  /** Resolves once every event published so far has been written to its connections (tests, benchmarks). */
  deliveredAll(): Promise<void> {
    return this.router.idle();
  }

  /** Closes every connection with `ServerShutdown` (clients reconnect elsewhere) and stops delivering. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.unsubscribe?.();
    const connections = [...this.live];
    for (const c of connections) c.close(CloseCode.ServerShutdown, 'server shutting down');
    await Promise.race([Promise.all(connections.map((c) => c.closed)), delay(500)]);
    for (const c of connections) c.terminate();
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Every upgraded socket counts, whatever its path: the cap keeps room under the TCP cap for plain HTTP.
    if (!this.sockets.admit(socket)) {
      refuseUpgrade(socket, '503 Service Unavailable');
      return;
    }
    if (!CONNECT_PATHS.has(url.pathname) && this.deps.otherUpgrades?.(req, socket, head)) return;
    if (!CONNECT_PATHS.has(url.pathname) || this.closing) {
      refuseUpgrade(socket, this.closing ? '503 Service Unavailable' : '404 Not Found');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, url.searchParams));
  };

  private accept(ws: WebSocket, params: URLSearchParams): void {
    const { options, logger } = this.deps;
    const connection = new Connection(randomUUID(), ws, options.maxBufferedBytes, Date.now(), (c) => this.retired(c));
    this.live.add(connection);
    void connection.closed.then(() => this.live.delete(connection));
    ws.on('error', (err) => logger.debug({ err, connectionId: connection.id }, 'websocket error'));
    ws.on('pong', () => {
      connection.lastHeardAt = Date.now();
    });
    try {
      this.deps.auth.checkApiKey(params.get('api_key') ?? undefined);
    } catch (err) {
      this.refuse(connection, err);
      return;
    }
    const authTimer = setTimeout(
      () => this.refuse(connection, authFailed('no auth message within the time allowed')),
      options.authTimeoutMs,
    );
    let first = true;
    ws.on('message', (data, isBinary) => {
      connection.lastHeardAt = Date.now();
      const text = isBinary ? '' : data.toString();
      if (first) {
        first = false;
        clearTimeout(authTimer);
        void this.handshake(connection, text);
      } else if (connection.state === 'open') {
        this.onMessage(connection, text);
      }
    });
    void connection.closed.then(() => clearTimeout(authTimer));
  }

  /**
   * Token first (no writes), then the user's limits (connect rate, open connections), and only then the write of
   * the user's details: a user over a limit costs the database nothing.
   */
  private async handshake(connection: Connection, text: string): Promise<void> {
    try {
      const request = await readConnectMessage(this.deps.ctx, this.deps.auth, text);
      await this.chargeConnect(request.userId);
      this.requireRoomFor(request.userId);
      if (connection.state !== 'authenticating') return; // the socket closed meanwhile: nothing to write for it
      const { user, me } = await admitConnection(this.deps.ctx, this.deps.auth, request);
      if (connection.state !== 'authenticating') return; // the socket closed meanwhile
      // Checked again where the connection is registered (no await in between): concurrent handshakes of one user
      // all passed the check above before any of them was registered.
      this.requireRoomFor(user.userId);
      connection.user = user;
      connection.state = 'open';
      // A resume holds live events from here on, so none is lost or doubled while the replay reads (resume.ts).
      const resume = request.resume;
      if (resume) this.resumer.prepare(connection);
      this.deps.registry.add(connection);
      const lastEventId = await this.resumer.resumePoint(connection);
      // Listed before the client learns its id, so a request with it may land on any node right away.
      await this.deps.remote?.hold(connection.id, user.userId);
      if (connection.state !== 'open') return; // closed while being listed (retired() released it)
      const ok: ConnectionOkEvent = {
        type: ConnectionEventType.ConnectionOk,
        connection_id: connection.id,
        me,
        created_at: isoNow(this.deps.ctx.clock),
        ...(lastEventId !== undefined ? { last_event_id: lastEventId } : {}),
      };
      connection.sendJson(ok);
      if (resume) await this.replay(connection, resume);
    } catch (err) {
      this.refuse(connection, err);
    }
  }

  /**
   * A replay that fails (a statement timed out, the database is away) answers `connection.resync`: the client
   * re-reads its state instead of missing events unknowingly, and a replay too heavy for the database does not
   * come back on every reconnect.
   */
  private async replay(connection: Connection, resume: ResumeRequest): Promise<void> {
    try {
      await this.resumer.restoreWatches(connection, resume);
      await this.resumer.replay(connection, resume);
    } catch (err) {
      this.deps.logger.warn({ err, connectionId: connection.id }, 'resume replay failed');
      this.resumer.failed(connection, resume);
    }
  }

  private async chargeConnect(userId: string): Promise<void> {
    const limiter = this.deps.rateLimiter;
    if (!limiter) return;
    const decision = await limiter.take('connects', { kind: 'user', userId }, '');
    if (!decision.allowed) throw limiter.tooMany('connects', decision.limit, decision.resetSeconds);
  }

  /** Refuses a user who already holds `maxConnectionsPerUser` connections on this node. */
  private requireRoomFor(userId: string): void {
    const max = this.deps.options.maxConnectionsPerUser;
    if (max > 0 && this.deps.registry.ofUser(userId).size >= max) throw tooManyConnections(max);
  }

  /** Answers `connection.error` and closes with 1000 (clients do not reconnect after it). */
  private refuse(connection: Connection, err: unknown): void {
    if (connection.state !== 'authenticating') return;
    let apiError = toApiError(err);
    if (!apiError) {
      this.deps.logger.error({ err, connectionId: connection.id }, 'realtime handshake failed');
      apiError = internalError();
    }
    const event: ConnectionErrorEvent = {
      type: ConnectionEventType.ConnectionError,
      error: errorBody(apiError, 'Connect', '0.00ms'),
      created_at: isoNow(this.deps.ctx.clock),
    };
    connection.sendJson(event);
    connection.close(CloseCode.AuthRejected, 'auth rejected');
  }

  /**
   * After auth, clients only send health checks: `[{ type: 'health.check', client_id }]` or a bare object. The text
   * passes the same input checks as every other JSON entry (depth, NUL, surrogates); anything else is ignored. One
   * message earns at most one answer, so a message listing thousands of checks cannot multiply the server's output.
   */
  private onMessage(connection: Connection, text: string): void {
    let value: unknown;
    try {
      value = parseJsonInput(text, 'message', { maxDepth: this.deps.ctx.config.limits.maxJsonDepth });
    } catch {
      return;
    }
    const items = Array.isArray(value) ? value : [value];
    const isHealthCheck = (item: unknown) =>
      typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'health.check';
    if (items.some(isHealthCheck)) connection.sendJson(this.healthCheck(connection));
  }

  private healthCheck(connection: Connection): HealthCheckEvent {
    return {
      type: ConnectionEventType.HealthCheck,
      connection_id: connection.id,
      created_at: isoNow(this.deps.ctx.clock),
    };
  }

  /**
   * Pings every connection and closes those silent for longer than `idleTimeoutMs`. A sweep that runs late (the
   * process was stalled: GC, CPU starvation) only pings: frames that arrived meanwhile still wait in the kernel,
   * unread, and would make live clients look silent. The next sweep, after they are read, judges.
   */
  private sweep(): void {
    const now = Date.now();
    const interval = this.deps.options.healthCheckIntervalMs;
    const late = this.lastSweepAt !== undefined && now - this.lastSweepAt > 2 * interval;
    this.lastSweepAt = now;
    for (const connection of this.deps.registry.all()) {
      if (!late && now - connection.lastHeardAt > this.deps.options.idleTimeoutMs) {
        connection.close(CloseCode.HealthCheckTimeout, 'health check timeout');
      } else {
        connection.sendJson(this.healthCheck(connection));
      }
    }
  }

  /** The connection closed (either side): it leaves the registry, and its participants get the presence grace. */
  private retired(connection: Connection): void {
    const user = connection.user;
    const wasRegistered = user !== undefined && this.deps.registry.get(connection.id) === connection;
    this.deps.registry.remove(connection);
    if (wasRegistered) this.deps.remote?.release(connection.id);
    // Also while draining: the participations wait out their grace (durable jobs any node fires) so the client's
    // reconnect to another node takes them over instead of leaving and joining again.
    if (wasRegistered && connection.carriesParticipants) {
      this.deps.presence.connectionClosed(this.deps.ctx, connection.id, user.userId);
    }
  }
}
