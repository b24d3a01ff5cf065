/**
 * The composition root: reads config once and builds every backend (database, bus, HTTP) for one Switchboard
 * node. Nothing else picks implementations. Two nodes can be composed in one process (tests rely on it).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { EventBus } from '../bus/event-bus.js';
import { LocalEventBus } from '../bus/local-event-bus.js';
import { Delivery } from '../delivery/index.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { buildHttpApp } from '../http/app.js';
import { httpLimits } from '../http/http-limits.js';
import { RateLimiter } from '../http/rate-limit.js';
import { DEFAULT_EMBEDDED_MEDIA_OPTIONS, EmbeddedMediaServer } from '../media/embedded/embedded-media-server.js';
import type { MediaServer } from '../media/media-server.js';
import { ConnectionRegistry } from '../realtime/connection-registry.js';
import { RealtimeGateway } from '../realtime/gateway.js';
import { GatewayPort } from '../realtime/gateway-port.js';
import { type RealtimeOptions, realtimeOptions } from '../realtime/realtime-options.js';
import { Authenticator } from '../services/authenticate.js';
import { CallSnapshotCache } from '../services/call-snapshots.js';
import { CallTypeCache } from '../services/call-type-cache.js';
import { seedBuiltinCallTypes } from '../services/call-types.js';
import type { ServiceContext } from '../services/context.js';
import { Presence } from '../services/presence.js';
import { RingTracker } from '../services/ring-tracker.js';
import { dropRingsOnEnd } from '../services/ringing.js';
import { TimerScheduler } from '../services/scheduler.js';
import { openDatabase, type PostgresOptions, type SqliteOptions } from '../store/database.js';
import { Store } from '../store/store.js';
import type { Config } from './config.js';
import { resolveCredentials } from './credentials.js';

export interface NodeOptions {
  config: Config;
  /** Overrides the database choice of `config` (tests use a per-run PostgreSQL schema or in-memory SQLite). */
  database?: SqliteOptions | PostgresOptions;
  logger?: Logger;
  clock?: Clock;
  /** Fail fast on reads through the root connection inside a transaction (a deadlock on SQLite); for tests. */
  checkTransactionReads?: boolean;
  /** Realtime tunables (health-check intervals, send-queue bound, presence grace); defaults per docs/api.md. */
  realtime?: Partial<RealtimeOptions>;
  /** Tests only: instruments the HTTP app before its routes exist (the OpenAPI contract recorder). */
  instrumentHttp?: (app: FastifyInstance) => void;
  /** This node's identity among the nodes sharing one database; a fresh UUID by default. */
  nodeId?: string;
}

export interface SwitchboardNode {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly generatedCredentials: boolean;
  /** The WebSocket gateway on this node's HTTP server. */
  readonly realtime: RealtimeGateway;
  /** The media server (SFU) on this node, when `media` is not `off`. */
  readonly media: MediaServer | undefined;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

function databaseOptions(config: Config): SqliteOptions | PostgresOptions {
  if (config.databaseUrl) return { kind: 'postgres', url: config.databaseUrl };
  return { kind: 'sqlite', file: join(config.dataDir, 'switchboard.db') };
}

export async function composeNode(options: NodeOptions): Promise<SwitchboardNode> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel });
  const credentials = resolveCredentials(config.dataDir, config.apiKey, config.apiSecret);
  const chosen = options.database ?? databaseOptions(config);
  const dbOptions = chosen.kind === 'postgres' ? { statementTimeoutMs: config.statementTimeoutMs, ...chosen } : chosen;
  const store = new Store(await openDatabase(dbOptions), {
    checkTransactionReads: options.checkTransactionReads ?? false,
  });
  const bus: EventBus = new LocalEventBus((err, event) =>
    logger.error({ err, type: event.type, cid: event.call_cid, eventId: event.id }, 'event listener failed'),
  );
  logger.info({ database: dbOptions.kind, bus: 'local' }, 'backends chosen');

  const snapshots = new CallSnapshotCache({
    maxEntries: config.snapshotCacheEntries,
    maxBytes: config.snapshotCacheBytes,
  });
  // Every committed call event drops that call's snapshot, before the event reaches anyone else.
  bus.subscribe((event) => snapshots.invalidate(event.call_cid));
  let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const clock = options.clock ?? systemClock;
  const realtime = realtimeOptions({
    presenceGraceMs: config.presenceGraceMs,
    healthCheckIntervalMs: config.healthCheckIntervalMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    ...options.realtime,
  });
  const scheduler = new TimerScheduler(clock, (err, key) => logger.error({ err, key }, 'scheduled task failed'));
  const registry = new ConnectionRegistry();
  const presence = new Presence(scheduler, realtime.presenceGraceMs);
  let media: MediaServer | undefined;
  const ctx: ServiceContext = {
    nodeId: options.nodeId ?? randomUUID(),
    store,
    bus,
    clock,
    callTypes: new CallTypeCache(store, undefined, config.callTypeCacheEntries),
    snapshots,
    realtime: new GatewayPort(registry, presence, () => ctx),
    rings: new RingTracker(scheduler),
    ...(config.media === 'off' ? {} : { media: { endpoint: () => (media as MediaServer).endpoint() } }),
    config: {
      apiKey: credentials.apiKey,
      apiSecret: credentials.apiSecret,
      limits: { maxCustomBytes: config.maxCustomBytes, maxJsonDepth: config.maxJsonDepth },
      get publicUrl() {
        return publicUrl;
      },
    },
  };
  await seedBuiltinCallTypes(ctx);
  const auth = new Authenticator(credentials.apiKey, credentials.apiSecret, store, clock);
  const metrics = new Registry();
  const delivery = new Delivery(store, bus, clock, logger, metrics, {
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    retryScheduleMs: config.webhookRetryScheduleMs,
    retentionMs: config.outboxRetentionMs,
  });
  const limits = httpLimits(config);
  const rateLimiter = new RateLimiter(limits.rateLimits, credentials.apiKey);
  const app = await buildHttpApp({
    ctx,
    auth,
    logger,
    limits,
    rateLimiter,
    corsOrigins: config.corsOrigins,
    metrics,
    delivery: delivery.admin,
    // `auto`: only a node running on the dev credentials it generated itself hands out demo tokens.
    browserClient: { demoTokens: config.demoTokens === 'on' || (config.demoTokens === 'auto' && !config.apiKey) },
    ...(options.instrumentHttp ? { instrument: options.instrumentHttp } : {}),
  });
  if (config.media === 'embedded') {
    media = new EmbeddedMediaServer(ctx, logger, {
      ...DEFAULT_EMBEDDED_MEDIA_OPTIONS,
      additionalHostAddresses: config.mediaHostAddresses,
    });
    media.start();
  }
  logger.info({ media: config.media }, 'media server chosen');
  const gateway = new RealtimeGateway({
    ctx,
    auth,
    logger,
    registry,
    presence,
    options: realtime,
    rateLimiter,
    ...(media ? { otherUpgrades: media.handleUpgrade.bind(media) } : {}),
  });
  gateway.start(app.server);
  const stopDroppingRings = dropRingsOnEnd(bus, ctx.rings);
  // Participants left behind by the process before this one leave after the grace period (single node).
  await presence.adoptOrphans(ctx);
  await delivery.start();

  return {
    app,
    ctx,
    realtime: gateway,
    media,
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    generatedCredentials: credentials.generated,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      if (!config.publicUrl) publicUrl = address;
      return address;
    },
    async close() {
      // This node's WebSocket participants leave cleanly (their sessions end) before the database closes.
      const held = [...registry.all()].map((c) => c.id);
      // Media participants leave (their leaves reach the database) before anything below them closes.
      await media?.close();
      await gateway.close();
      stopDroppingRings();
      await presence.leaveAll(ctx, held).catch((err: unknown) => logger.error({ err }, 'leaving on shutdown failed'));
      await scheduler.close();
      await app.close();
      await delivery.close();
      await bus.close();
      await store.close();
    },
  };
}
