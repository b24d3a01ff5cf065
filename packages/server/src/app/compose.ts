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
import { type ListenerFailure, LocalEventBus } from '../bus/local-event-bus.js';
import { RedisEventBus } from '../bus/redis-event-bus.js';
import { keepCachesCoherent } from '../cluster/cache-coherence.js';
import { DurableTimers } from '../cluster/durable-timers.js';
import { openHeartbeatConnection } from '../cluster/heartbeat-connection.js';
import { NodeLiveness } from '../cluster/node-liveness.js';
import { nodeStatsProvider, ownedParticipants, TRANSPORTS_PER_MEDIA_PARTICIPANT } from '../cluster/node-stats.js';
import { RemoteConnections } from '../cluster/remote-connections.js';
import { Delivery } from '../delivery/index.js';
import type { Resolver } from '../delivery/outbound/guarded-lookup.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { outboundPolicies } from '../domain/network-address.js';
import { buildHttpApp } from '../http/app.js';
import { httpLimits } from '../http/http-limits.js';
import { registerNodeGauges } from '../http/node-metrics.js';
import { RateLimiter } from '../http/rate-limit.js';
import { RedisRateLimitBackend } from '../http/redis-rate-limit.js';
import type { Readiness } from '../http/routes/system-routes.js';
import { candidateScope } from '../media/embedded/candidate-policy.js';
import { DEFAULT_EMBEDDED_MEDIA_OPTIONS, EmbeddedMediaServer } from '../media/embedded/embedded-media-server.js';
import type { MediaServer } from '../media/media-server.js';
import { ConnectionRegistry } from '../realtime/connection-registry.js';
import { RealtimeGateway } from '../realtime/gateway.js';
import { GatewayPort } from '../realtime/gateway-port.js';
import { type RealtimeOptions, realtimeOptions, webSocketCap } from '../realtime/realtime-options.js';
import { Authenticator } from '../services/authenticate.js';
import { CallSnapshotCache } from '../services/call-snapshots.js';
import { CallTypeCache } from '../services/call-type-cache.js';
import { seedBuiltinCallTypes } from '../services/call-types.js';
import type { ServiceContext } from '../services/context.js';
import { Presence } from '../services/presence.js';
import { cidOfRingKey, RING_JOB, RingTracker } from '../services/ring-tracker.js';
import { dropRingsOnEnd, ringTimedOut } from '../services/ringing.js';
import { TimerScheduler } from '../services/scheduler.js';
import { describeUnavailable, isDatabaseUnavailable } from '../store/connection-errors.js';
import { openDatabase, type PostgresOptions, type SqliteOptions } from '../store/database.js';
import { Store } from '../store/store.js';
import { serverVersion } from '../version.js';
import type { Config } from './config.js';
import { resolveCredentials } from './credentials.js';
import { type DemoTokenPolicy, demoTokenPolicy } from './demo-token-policy.js';
import { checkReadiness } from './readiness.js';

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
  /**
   * How webhooks and pushes resolve host names (the system resolver by default). Tests answer with their own: a
   * name that resolves to loopback at connect time, as rebinding DNS would, cannot be set up here otherwise.
   */
  resolve?: Resolver;
}

export interface SwitchboardNode {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly generatedCredentials: boolean;
  /** Whether `/demo/token` mints on this node, and why (the start banner shows it). */
  readonly demoTokens: DemoTokenPolicy;
  /** The WebSocket gateway on this node's HTTP server. */
  readonly realtime: RealtimeGateway;
  /** What this node shares with the others on its database: durable timers and its heartbeat (cluster/). */
  readonly cluster: { readonly timers: DurableTimers; readonly liveness: NodeLiveness };
  /** The media server (SFU) on this node, when `media` is not `off`. */
  readonly media: MediaServer | undefined;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<string>;
  /** Readiness (`/readyz`): the database and the bus answer and the node is not draining. */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}

/** `DATABASE_URL` may name the schema to use (`?schema=name`), so several deployments share one database. */
function databaseOptions(config: Config): SqliteOptions | PostgresOptions {
  if (!config.databaseUrl) return { kind: 'sqlite', file: join(config.dataDir, 'switchboard.db') };
  const url = new URL(config.databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return { kind: 'postgres', url: url.toString(), ...(schema ? { schema } : {}) };
}

/**
 * The node's PostgreSQL settings: timeouts from config, connections named after the node (`switchboard:<node id>`
 * in `pg_stat_activity`), and connection errors nobody awaits logged, never fatal (docs/operations.md).
 */
function postgresOptions(chosen: PostgresOptions, config: Config, nodeId: string, logger: Logger): PostgresOptions {
  return {
    statementTimeoutMs: config.statementTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    applicationName: `switchboard:${nodeId}`,
    onConnectionError: (err) =>
      logger.warn({ reason: describeUnavailable(err) }, 'database connection lost; the pool reconnects on demand'),
    ...chosen,
  };
}

/** One node on its own: the local bus. Several nodes (REDIS_URL): the Redis bus, which needs a shared database. */
async function chooseBus(
  config: Config,
  database: SqliteOptions | PostgresOptions,
  nodeId: string,
  prefix: string,
  logger: Logger,
): Promise<EventBus> {
  const onListenerFailure: ListenerFailure = (err, message) =>
    logger.error(
      'kind' in message ? { err, notice: message.kind } : { err, type: message.type, cid: message.call_cid },
      'event listener failed',
    );
  if (!config.redisUrl) return new LocalEventBus(onListenerFailure);
  if (database.kind === 'sqlite') {
    throw new Error(
      'REDIS_URL is set but DATABASE_URL is not: several nodes cannot share an embedded SQLite database. ' +
        'Set DATABASE_URL to a PostgreSQL database shared by every node, or unset REDIS_URL to run one node.',
    );
  }
  return RedisEventBus.connect({ url: config.redisUrl, nodeId, prefix, logger, onListenerFailure });
}

export async function composeNode(options: NodeOptions): Promise<SwitchboardNode> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel });
  const credentials = resolveCredentials(config.dataDir, config.apiKey, config.apiSecret);
  const chosen = options.database ?? databaseOptions(config);
  const nodeId = options.nodeId ?? randomUUID();
  const dbOptions = chosen.kind === 'postgres' ? postgresOptions(chosen, config, nodeId, logger) : chosen;
  // Nodes of one app share Redis channels and keys; other apps (or test runs) on the same Redis do not see them.
  const clusterPrefix = `switchboard:${credentials.apiKey}`;
  const bus = await chooseBus(config, dbOptions, nodeId, clusterPrefix, logger);
  const remote = config.redisUrl
    ? await RemoteConnections.connect({ url: config.redisUrl, nodeId, prefix: clusterPrefix, logger }).catch(
        closing(bus),
      )
    : undefined;
  const store = new Store(await openDatabase(dbOptions).catch(closing(bus, remote)), {
    checkTransactionReads: options.checkTransactionReads ?? false,
  });
  // Only now that the database and the bus answered: a start that fails before leaves no credentials behind.
  credentials.save();
  logger.info({ database: dbOptions.kind, bus: config.redisUrl ? 'redis' : 'local', nodeId }, 'backends chosen');

  const snapshots = new CallSnapshotCache({
    maxEntries: config.snapshotCacheEntries,
    maxBytes: config.snapshotCacheBytes,
  });
  let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const clock = options.clock ?? systemClock;
  const realtime = realtimeOptions({
    presenceGraceMs: config.presenceGraceMs,
    healthCheckIntervalMs: config.healthCheckIntervalMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    resumeMaxEvents: config.resumeMaxEvents,
    resumeMaxBytes: config.resumeMaxBytes,
    maxConnectionsPerUser: config.maxConnectionsPerUser,
    maxWebSockets: webSocketCap(config.maxWebSockets, config.maxConnections),
    ...options.realtime,
  });
  // The heartbeat and the timer sweep run on fixed periods (a third of the node TTL, SWITCHBOARD_TIMER_SWEEP_MS), so
  // while the database is away they retry at that pace, never faster, and say so as a warning.
  const scheduler = new TimerScheduler(clock, (err, key) =>
    isDatabaseUnavailable(err)
      ? logger.warn({ key, reason: describeUnavailable(err) }, 'scheduled task: database unavailable, retrying')
      : logger.error({ err, key }, 'scheduled task failed'),
  );
  const registry = new ConnectionRegistry();
  // Ring timeouts and presence grace are rows in the database, fired by whichever node is alive (cluster/).
  const timers = new DurableTimers({ nodeId, store, clock, scheduler, logger, sweepIntervalMs: config.timerSweepMs });
  const presence = new Presence(timers, realtime.presenceGraceMs, (err) =>
    logger.error({ err }, 'presence grace not recorded'),
  );
  const callTypes = new CallTypeCache(store, undefined, config.callTypeCacheEntries);
  // Before anything else subscribes: a call event drops its snapshot before the event reaches anyone else.
  const stopCoherence = keepCachesCoherent(bus, { snapshots, callTypes, realtime: () => ctx.realtime });
  let media: MediaServer | undefined;
  const ctx: ServiceContext = {
    nodeId,
    store,
    bus,
    clock,
    callTypes,
    snapshots,
    realtime: new GatewayPort(registry, presence, () => ctx, remote),
    rings: new RingTracker(timers),
    ...(config.media === 'off' ? {} : { media: { endpoint: () => (media as MediaServer).endpoint() } }),
    config: {
      apiKey: credentials.apiKey,
      apiSecret: credentials.apiSecret,
      limits: {
        maxCustomBytes: config.maxCustomBytes,
        maxJsonDepth: config.maxJsonDepth,
        maxEventBytes: config.maxEventBytes,
      },
      participation: {
        maxPerUserPerCall: config.maxParticipationsPerUserPerCall,
        ownerDeadlineMs: config.participationOwnerDeadlineMs,
      },
      outbound: outboundPolicies(config.outboundAllowPrivate, config.webPushAllowPrivate),
      get publicUrl() {
        return publicUrl;
      },
    },
  };
  await seedBuiltinCallTypes(ctx);
  const auth = new Authenticator(credentials.apiKey, credentials.apiSecret, store, clock);
  const metrics = new Registry();
  // Every series names its node, so the scrapes of a cluster's nodes can be told apart and added up.
  metrics.setDefaultLabels({ node: nodeId });
  const delivery = new Delivery(store, bus, clock, logger, metrics, {
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    retryScheduleMs: config.webhookRetryScheduleMs,
    retentionMs: config.outboxRetentionMs,
    pushRetryScheduleMs: config.pushRetryScheduleMs,
    // A dead node's claims are due again for the others within the time it takes to be declared dead.
    leaseMs: config.nodeTtlMs,
    outbound: ctx.config.outbound,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  let draining = false;
  const ready = (): Promise<Readiness> =>
    checkReadiness({
      db: store.db,
      redisConnected: () => (config.redisUrl ? bus.connected() : null),
      draining: () => draining,
    });
  const demoTokens = demoTokenPolicy({
    setting: config.demoTokens,
    generatedCredentials: credentials.generated,
    sharedDatabase: dbOptions.kind === 'postgres',
    host: config.host,
  });
  const limits = httpLimits(config);
  // With Redis every node charges the same counters: a user's limit holds for the cluster, not per node.
  const sharedRateLimits = config.redisUrl
    ? new RedisRateLimitBackend({ url: config.redisUrl, prefix: clusterPrefix, nodeId, logger })
    : undefined;
  await sharedRateLimits?.connected;
  const rateLimiter = new RateLimiter(limits.rateLimits, credentials.apiKey, sharedRateLimits);
  const app = await buildHttpApp({
    ctx,
    auth,
    logger,
    limits,
    rateLimiter,
    corsOrigins: config.corsOrigins,
    metrics,
    accessLogLevel: config.accessLog,
    delivery: delivery.admin,
    ready,
    draining: () => draining,
    testPush: (actor, body) => delivery.testPush(actor, body),
    browserClient: { demoTokens },
    ...(options.instrumentHttp ? { instrument: options.instrumentHttp } : {}),
  });
  const remoteCandidates = candidateScope(config.mediaCandidateAddresses, config.host);
  if (config.media === 'embedded') {
    media = new EmbeddedMediaServer(ctx, logger, {
      ...DEFAULT_EMBEDDED_MEDIA_OPTIONS,
      additionalHostAddresses: config.mediaHostAddresses,
      candidates: { ...DEFAULT_EMBEDDED_MEDIA_OPTIONS.candidates, scope: remoteCandidates },
      maxParticipantsPerUser: config.mediaMaxParticipantsPerUser,
    });
    media.start();
  }
  logger.info({ media: config.media, remoteCandidates }, 'media server chosen');
  const gateway = new RealtimeGateway({
    ctx,
    auth,
    logger,
    registry,
    presence,
    options: realtime,
    rateLimiter,
    ...(remote ? { remote } : {}),
    ...(media ? { otherUpgrades: media.handleUpgrade.bind(media) } : {}),
  });
  gateway.start(app.server);
  const stopDroppingRings = dropRingsOnEnd(bus, store, ctx.rings, (err) => logger.error({ err }, 'ring not dropped'));
  presence.register(ctx);
  timers.handle(RING_JOB, (job) => ringTimedOut(ctx, cidOfRingKey(job.key)));
  const stats = nodeStatsProvider(store, {
    nodeId,
    version: serverVersion(),
    publicUrl: () => publicUrl,
    connections: () => registry.size,
    media: () => media?.stats(),
    draining: () => draining,
  });
  // Heartbeat first: participants of dead nodes (a previous process of this one too) leave after the node TTL.
  // Its own connection: a heartbeat queued behind a saturated request pool would get a busy node taken for dead.
  const heartbeat = openHeartbeatConnection(dbOptions, store.read.db, Math.max(1000, config.nodeTtlMs / 3), logger);
  const liveness = new NodeLiveness(ctx, {
    ttlMs: config.nodeTtlMs,
    scheduler,
    logger,
    heartbeatDb: heartbeat.db,
    holds: (connectionId) => registry.get(connectionId) !== undefined,
    stats,
  });
  await liveness.start().catch(async (err: unknown) => {
    await heartbeat.close();
    throw err;
  });
  const mediaServer = media;
  registerNodeGauges(metrics, {
    connections: () => registry.size,
    ownedParticipants: () => ownedParticipants(store, nodeId),
    ...(mediaServer ? { media: () => mediaServer.stats() } : {}),
    transportsPerMediaParticipant: TRANSPORTS_PER_MEDIA_PARTICIPANT,
    ...(bus instanceof RedisEventBus
      ? {
          bus: () => ({
            connected: bus.connected(),
            subscribedChannels: bus.subscribedChannels() + (remote?.subscribedChannels() ?? 0),
          }),
        }
      : {}),
    heartbeatAgeMs: () => liveness.heartbeatAgeMs(),
    draining: () => draining,
  });
  timers.start();
  await delivery.start();

  return {
    app,
    ctx,
    realtime: gateway,
    cluster: { timers, liveness },
    media,
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    generatedCredentials: credentials.generated,
    demoTokens,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      if (!config.publicUrl) publicUrl = address;
      // The row written at registration predates the listener (port 0 resolves only now): correct it before the
      // node reports ready, so the cluster listing never shows an address nobody can reach.
      await liveness.refresh();
      return address;
    },
    ready,
    async close() {
      draining = true;
      // Media participants leave (their leaves reach the database) before anything below them closes.
      await media?.close();
      await gateway.close();
      // No new connections; idle keep-alive sockets close, busy ones after their current answer (`Connection: close`
      // on every answer while draining, http/app.ts); in-flight requests finish before presence is handed over.
      await app.close();
      stopDroppingRings();
      // This node's WebSocket participations were handed over (grace jobs written as their sockets closed with 4010).
      await presence.handOver(ctx).catch((err: unknown) => logger.error({ err }, 'handing over on shutdown failed'));
      await timers.close();
      await liveness.stop().catch((err: unknown) => logger.error({ err }, 'node row not removed'));
      await heartbeat.close();
      await scheduler.close();
      await delivery.close();
      stopCoherence();
      await remote?.close();
      sharedRateLimits?.close();
      await bus.close();
      await store.close();
    },
  };
}

/** Releases the Redis links when a later step of composing fails, then rethrows. */
function closing(bus: EventBus, remote?: RemoteConnections) {
  return async (err: unknown): Promise<never> => {
    await remote?.close();
    await bus.close();
    throw err;
  };
}
