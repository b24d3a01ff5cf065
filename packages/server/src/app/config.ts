import {
  DEFAULT_PUSH_RETRY_SCHEDULE_MS,
  DEFAULT_RETRY_SCHEDULE_MS,
  parseRetrySchedule,
} from '../delivery/retry-schedule.js';
import { OPERATOR_ALLOW_SETTING, parseCidr, WEB_PUSH_ALLOW_SETTING } from '../domain/network-address.js';
import { ACCESS_LOG_LEVELS, type AccessLogLevel } from '../http/access-log.js';
import type { CandidateScopeSetting } from '../media/embedded/candidate-policy.js';

/**
 * Configuration: one table is the source of every setting's environment variable, default and documentation
 * (docs/configuration.md and `switchboard config env` are generated from it). Unknown `SWITCHBOARD_*` variables are
 * reported so typos do not pass silently.
 */
export interface Config {
  port: number;
  host: string;
  apiKey: string | undefined;
  apiSecret: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  shutdownTimeoutMs: number;
  logLevel: string;
  accessLog: AccessLogLevel;
  publicUrl: string | undefined;
  presenceGraceMs: number;
  nodeTtlMs: number;
  timerSweepMs: number;
  healthCheckIntervalMs: number;
  idleTimeoutMs: number;
  maxBufferedBytes: number;
  resumeMaxEvents: number;
  resumeMaxBytes: number;
  snapshotCacheEntries: number;
  snapshotCacheBytes: number;
  callTypeCacheEntries: number;
  statementTimeoutMs: number;
  databaseConnectTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  maxWebSockets: number;
  maxConnectionsPerUser: number;
  rateLimitWindowMs: number;
  rateLimitUserReads: number;
  rateLimitUserWrites: number;
  rateLimitUserQueries: number;
  rateLimitUserConnects: number;
  rateLimitApiKeyReads: number;
  rateLimitApiKeyWrites: number;
  rateLimitApiKeyQueries: number;
  corsOrigins: string;
  demoTokens: DemoTokens;
  webhookRetryScheduleMs: number[];
  outboxRetentionMs: number;
  pushRetryScheduleMs: number[];
  maxCustomBytes: number;
  maxJsonDepth: number;
  maxEventBytes: number;
  media: MediaMode;
  mediaHostAddresses: string[];
  mediaCandidateAddresses: CandidateScopeSetting;
  mediaMaxParticipantsPerUser: number;
  maxParticipationsPerUserPerCall: number;
  participationOwnerDeadlineMs: number;
  outboundAllowPrivate: string[];
  webPushAllowPrivate: string[];
}

/** `embedded`: the werift SFU runs in this process (default); `off`: no media, JoinCall hands out realtime creds. */
export type MediaMode = 'embedded' | 'off';

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  description: string;
  default: Config[K];
  parse: (raw: string) => Config[K];
}

const text = (raw: string) => raw;
function port(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`PORT must be an integer 0-65535, got ${raw}`);
  return n;
}
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
function logLevel(raw: string): string {
  if (!LOG_LEVELS.includes(raw)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${raw}`);
  return raw;
}
function nonNegativeInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer ≥ 0, got ${raw}`);
    return n;
  };
}
function intBetween(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${name} must be an integer ${min}-${max}, got ${raw}`);
    return n;
  };
}
function redisUrl(raw: string): string {
  if (!/^rediss?:\/\//.test(raw)) throw new Error('REDIS_URL must be a redis:// or rediss:// URL');
  return raw;
}
function accessLogLevel(raw: string): AccessLogLevel {
  const level = ACCESS_LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new Error(`SWITCHBOARD_ACCESS_LOG must be one of ${ACCESS_LOG_LEVELS.join(', ')}, got ${raw}`);
  return level;
}
function mediaMode(raw: string): MediaMode {
  if (raw !== 'embedded' && raw !== 'off') throw new Error(`SWITCHBOARD_MEDIA must be embedded or off, got ${raw}`);
  return raw;
}
/** Comma-separated IPv4 addresses; werift gathers no loopback candidates unless told to. */
function hostAddresses(raw: string): string[] {
  const list = raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const a of list) {
    if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(a) || a.split('.').some((n) => Number(n) > 255))
      throw new Error(`SWITCHBOARD_MEDIA_HOST_ADDRESSES: "${a}" is not an IPv4 address`);
  }
  return list;
}
const CANDIDATE_SCOPES: readonly CandidateScopeSetting[] = ['auto', 'public', 'private', 'loopback'];
function candidateAddresses(raw: string): CandidateScopeSetting {
  const value = CANDIDATE_SCOPES.find((s) => s === raw);
  if (!value) {
    throw new Error(`SWITCHBOARD_MEDIA_CANDIDATE_ADDRESSES must be one of ${CANDIDATE_SCOPES.join(', ')}, got ${raw}`);
  }
  return value;
}
/** Comma-separated IP addresses and CIDR ranges (`10.0.0.0/8,127.0.0.1,::1`). */
function cidrList(name: string) {
  return (raw: string): string[] => {
    const list = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    for (const entry of list) {
      try {
        parseCidr(entry);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
    }
    return list;
  };
}
function databaseUrl(raw: string): string {
  if (!/^postgres(ql)?:\/\//.test(raw))
    throw new Error('DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)');
  return raw;
}

/**
 * `*`, `none`, or a comma-separated list of origins (`https://app.example.com, http://localhost:5173`). Spaces around
 * the commas are what people type; the value is returned without them, one origin per comma.
 */
function corsOrigins(raw: string): string {
  const value = raw.trim();
  if (value === '*' || value === 'none') return value;
  const origins = value.split(',').map((o) => o.trim());
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || parsed.origin !== origin)
      throw new Error(`SWITCHBOARD_CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
  }
  return origins.join(',');
}

/**
 * Whether `/demo` may mint user tokens for anyone who asks (the demo page's "pick a user"). `auto`: only while the
 * node runs on the dev credentials it generated itself in the data directory (a fresh `npm start`); a node given
 * SWITCHBOARD_API_KEY / SWITCHBOARD_API_SECRET is treated as a real deployment and refuses.
 */
export type DemoTokens = 'auto' | 'on' | 'off';
function demoTokens(raw: string): DemoTokens {
  if (raw !== 'auto' && raw !== 'on' && raw !== 'off')
    throw new Error(`SWITCHBOARD_DEMO_TOKENS must be auto, on or off, got ${raw}`);
  return raw;
}

export const SETTINGS: readonly Setting<keyof Config>[] = [
  { key: 'port', env: 'PORT', description: 'HTTP and WebSocket port', default: 3000, parse: port },
  { key: 'host', env: 'HOST', description: 'Interface to listen on', default: '127.0.0.1', parse: text },
  {
    key: 'apiKey',
    env: 'SWITCHBOARD_API_KEY',
    description: 'App API key; generated on first start and kept in the data dir when unset',
    default: undefined,
    parse: text,
  },
  {
    key: 'apiSecret',
    env: 'SWITCHBOARD_API_SECRET',
    description: 'App secret that signs tokens; generated with the key when unset',
    default: undefined,
    parse: text,
  },
  {
    key: 'dataDir',
    env: 'SWITCHBOARD_DATA_DIR',
    description: 'Where the SQLite database and generated credentials live',
    default: './data',
    parse: text,
  },
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    description: 'PostgreSQL URL (`?schema=name` picks a schema); when unset the embedded SQLite database is used',
    default: undefined,
    parse: databaseUrl,
  },
  {
    key: 'redisUrl',
    env: 'REDIS_URL',
    description:
      'Redis URL shared by the nodes of a cluster (event fan-out, connection directory); needs DATABASE_URL. Unset: one node',
    default: undefined,
    parse: redisUrl,
  },
  {
    key: 'shutdownTimeoutMs',
    env: 'SWITCHBOARD_SHUTDOWN_TIMEOUT_MS',
    description:
      'On SIGTERM/SIGINT the node drains (refuses new work, closes WebSockets with 4010) and exits within this',
    default: 10_000,
    parse: nonNegativeInt('SWITCHBOARD_SHUTDOWN_TIMEOUT_MS'),
  },
  { key: 'logLevel', env: 'LOG_LEVEL', description: 'pino log level', default: 'info', parse: logLevel },
  {
    key: 'accessLog',
    env: 'SWITCHBOARD_ACCESS_LOG',
    description:
      'Access log: one line per request (method, path without query, status, duration, request id, user id) at ' +
      'this pino level, or `off`. Written only when `LOG_LEVEL` lets the level through',
    default: 'off',
    parse: accessLogLevel,
  },
  {
    key: 'publicUrl',
    env: 'SWITCHBOARD_PUBLIC_URL',
    description: 'URL clients reach this node at (join credentials); defaults to http://HOST:PORT',
    default: undefined,
    parse: text,
  },
  {
    key: 'presenceGraceMs',
    env: 'SWITCHBOARD_PRESENCE_GRACE_MS',
    description: 'How long a participant stays in a call after its WebSocket closed (reconnect window)',
    default: 30_000,
    parse: nonNegativeInt('SWITCHBOARD_PRESENCE_GRACE_MS'),
  },
  {
    key: 'nodeTtlMs',
    env: 'SWITCHBOARD_NODE_TTL_MS',
    description:
      'A node whose heartbeat (every third of this) is older than this is dead: its WebSocket participants leave. ' +
      'Also the lease of webhook and push claims (renewed every third of it): a dead node delays its calls by about this',
    default: 15_000,
    parse: intBetween('SWITCHBOARD_NODE_TTL_MS', 30, 3_600_000),
  },
  {
    key: 'timerSweepMs',
    env: 'SWITCHBOARD_TIMER_SWEEP_MS',
    description:
      'How often a node looks for overdue durable timers (ring timeouts, presence grace) of any node, e.g. a dead one',
    default: 1000,
    parse: intBetween('SWITCHBOARD_TIMER_SWEEP_MS', 10, 600_000),
  },
  {
    key: 'healthCheckIntervalMs',
    env: 'SWITCHBOARD_HEALTH_CHECK_INTERVAL_MS',
    description: 'How often the server sends health.check to each WebSocket',
    default: 10_000,
    parse: nonNegativeInt('SWITCHBOARD_HEALTH_CHECK_INTERVAL_MS'),
  },
  {
    key: 'idleTimeoutMs',
    env: 'SWITCHBOARD_IDLE_TIMEOUT_MS',
    description: 'A WebSocket silent this long is closed (code 4009)',
    default: 35_000,
    parse: nonNegativeInt('SWITCHBOARD_IDLE_TIMEOUT_MS'),
  },
  {
    key: 'maxBufferedBytes',
    env: 'SWITCHBOARD_MAX_BUFFERED_BYTES',
    description: 'Bytes that may wait to be sent to one WebSocket before it is closed (code 4008)',
    default: 2 * 1024 * 1024,
    parse: nonNegativeInt('SWITCHBOARD_MAX_BUFFERED_BYTES'),
  },
  {
    key: 'resumeMaxEvents',
    env: 'SWITCHBOARD_RESUME_MAX_EVENTS',
    description:
      'Most missed events a resuming WebSocket is replayed (`last_event_id`); past it the client gets `connection.resync`',
    default: 1000,
    parse: intBetween('SWITCHBOARD_RESUME_MAX_EVENTS', 0, 100_000),
  },
  {
    key: 'resumeMaxBytes',
    env: 'SWITCHBOARD_RESUME_MAX_BYTES',
    description:
      'Most bytes of missed events a resuming WebSocket is replayed; past it the client gets `connection.resync`',
    default: 8 * 1024 * 1024,
    parse: intBetween('SWITCHBOARD_RESUME_MAX_BYTES', 0, 1024 * 1024 * 1024),
  },
  ...limitSettings(),
  {
    key: 'corsOrigins',
    env: 'SWITCHBOARD_CORS_ORIGINS',
    description: 'Web origins whose pages may call the API: `*` (any), `none`, or a comma-separated list of origins',
    default: '*',
    parse: corsOrigins,
  },
  {
    key: 'demoTokens',
    env: 'SWITCHBOARD_DEMO_TOKENS',
    description:
      'Whether the /demo page may mint a user token for any user id: auto (only with the generated dev credentials), on, off',
    default: 'auto',
    parse: demoTokens,
  },
  {
    key: 'webhookRetryScheduleMs',
    env: 'SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE_MS',
    description:
      'Waits (ms, comma-separated, ±20% jitter) before each webhook retry; when used up the delivery is dead-lettered',
    default: [...DEFAULT_RETRY_SCHEDULE_MS],
    parse: (raw) => parseRetrySchedule(raw),
  },
  {
    key: 'outboxRetentionMs',
    env: 'SWITCHBOARD_OUTBOX_RETENTION_MS',
    description:
      'How long relayed events and settled webhook deliveries are kept (for webhook replay and WebSocket resume) before purging',
    default: 7 * 24 * 60 * 60 * 1000,
    parse: nonNegativeInt('SWITCHBOARD_OUTBOX_RETENTION_MS'),
  },
  {
    key: 'pushRetryScheduleMs',
    env: 'SWITCHBOARD_PUSH_RETRY_SCHEDULE_MS',
    description:
      "Waits (ms, comma-separated, ±20% jitter; a provider's longer Retry-After wins) before each push retry; then it is dropped",
    default: [...DEFAULT_PUSH_RETRY_SCHEDULE_MS],
    parse: (raw) => parseRetrySchedule(raw, 'SWITCHBOARD_PUSH_RETRY_SCHEDULE_MS'),
  },
  {
    key: 'maxCustomBytes',
    env: 'SWITCHBOARD_MAX_CUSTOM_BYTES',
    description:
      'Largest `custom` object (call, member, user, custom event) a client may write, in UTF-8 bytes of its JSON',
    default: 5 * 1024,
    parse: intBetween('SWITCHBOARD_MAX_CUSTOM_BYTES', 2, 1024 * 1024),
  },
  {
    key: 'maxJsonDepth',
    env: 'SWITCHBOARD_MAX_JSON_DEPTH',
    description: 'Deepest nesting of objects and arrays in a request body or WebSocket message',
    default: 32,
    // Stored values are read back recursively (JSON, SQLite's JSON functions stop at 1000 levels): keep far below.
    parse: intBetween('SWITCHBOARD_MAX_JSON_DEPTH', 8, 256),
  },
  {
    key: 'maxEventBytes',
    env: 'SWITCHBOARD_MAX_EVENT_BYTES',
    description:
      "Largest call event (UTF-8 bytes of its JSON) a write may commit: past it the event's embedded participants are dropped, then the write is refused with code 4",
    default: 256 * 1024,
    parse: intBetween('SWITCHBOARD_MAX_EVENT_BYTES', 64 * 1024, 64 * 1024 * 1024),
  },
  {
    key: 'media',
    env: 'SWITCHBOARD_MEDIA',
    description: 'Media server: `embedded` (the SFU runs in this process) or `off` (no media; HTTP-only joins)',
    default: 'embedded',
    parse: mediaMode,
  },
  {
    key: 'mediaHostAddresses',
    env: 'SWITCHBOARD_MEDIA_HOST_ADDRESSES',
    description: 'IPv4 addresses the SFU offers as ICE candidates besides its interfaces (comma-separated)',
    default: ['127.0.0.1'],
    parse: hostAddresses,
  },
  {
    key: 'mediaCandidateAddresses',
    env: 'SWITCHBOARD_MEDIA_CANDIDATE_ADDRESSES',
    description:
      'Client ICE candidates the SFU probes: `public` addresses only, also `private` networks, or also `loopback`; ' +
      '`auto` = `loopback` when HOST is a loopback address, else `public`. Link-local, multicast and host names never',
    default: 'auto',
    parse: candidateAddresses,
  },
  {
    key: 'mediaMaxParticipantsPerUser',
    env: 'SWITCHBOARD_MEDIA_MAX_PARTICIPANTS_PER_USER',
    description:
      "Media connections one user may hold on this node's SFU at once, over all calls (so one user cannot fill it)",
    default: 10,
    parse: intBetween('SWITCHBOARD_MEDIA_MAX_PARTICIPANTS_PER_USER', 1, 100_000),
  },
  {
    key: 'maxParticipationsPerUserPerCall',
    env: 'SWITCHBOARD_MAX_PARTICIPATIONS_PER_USER_PER_CALL',
    description:
      "Participations one user may hold in one call's session at once (so one user cannot take every seat of a call)",
    default: 3,
    parse: intBetween('SWITCHBOARD_MAX_PARTICIPATIONS_PER_USER_PER_CALL', 1, 1000),
  },
  {
    key: 'participationOwnerDeadlineMs',
    env: 'SWITCHBOARD_PARTICIPATION_OWNER_DEADLINE_MS',
    description:
      'A JoinCall participation held by neither a realtime connection nor a media connection leaves after this long',
    default: 30_000,
    parse: intBetween('SWITCHBOARD_PARTICIPATION_OWNER_DEADLINE_MS', 100, 86_400_000),
  },
  {
    key: 'outboundAllowPrivate',
    env: OPERATOR_ALLOW_SETTING,
    description:
      'Non-public addresses (comma-separated IPs / CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1) that webhooks and push-provider URLs may reach; all others are refused',
    default: [],
    parse: cidrList(OPERATOR_ALLOW_SETTING),
  },
  {
    key: 'webPushAllowPrivate',
    env: WEB_PUSH_ALLOW_SETTING,
    description:
      'Non-public addresses that Web Push subscription endpoints (registered by any user) may reach, also over http; keep empty in production',
    default: [],
    parse: cidrList(WEB_PUSH_ALLOW_SETTING),
  },
] as const;

/** A `Setting` for a non-negative integer limit (the parser names the variable). */
function limit<K extends keyof Config>(key: K, env: string, fallback: number, description: string): Setting<K> {
  return { key, env, description, default: fallback as Config[K], parse: nonNegativeInt(env) as Setting<K>['parse'] };
}

/** Cache bounds, timeouts, the connection cap and rate limits: what one client may cost the node. */
function limitSettings(): Setting<keyof Config>[] {
  const perWindow = 'requests per rate-limit window; 0 = unlimited';
  return [
    limit(
      'snapshotCacheEntries',
      'SWITCHBOARD_SNAPSHOT_CACHE_ENTRIES',
      10_000,
      'Calls kept in the per-node read cache',
    ),
    limit(
      'snapshotCacheBytes',
      'SWITCHBOARD_SNAPSHOT_CACHE_BYTES',
      64 * 1024 * 1024,
      'Estimated bytes the per-node call read cache may hold (least recently read calls are dropped first)',
    ),
    limit('callTypeCacheEntries', 'SWITCHBOARD_CALL_TYPE_CACHE_ENTRIES', 1000, 'Call types cached per node'),
    limit(
      'statementTimeoutMs',
      'SWITCHBOARD_STATEMENT_TIMEOUT_MS',
      5000,
      'PostgreSQL statement_timeout: a statement running longer is cancelled (code 23); 0 = none',
    ),
    limit(
      'databaseConnectTimeoutMs',
      'SWITCHBOARD_DATABASE_CONNECT_TIMEOUT_MS',
      5000,
      'PostgreSQL: how long a request waits for a pool connection (free or new) before answering 503 (code 23); 0 = forever',
    ),
    limit('headersTimeoutMs', 'SWITCHBOARD_HEADERS_TIMEOUT_MS', 10_000, 'Time a client has to send request headers'),
    limit(
      'requestTimeoutMs',
      'SWITCHBOARD_REQUEST_TIMEOUT_MS',
      30_000,
      'Time a client has to send a whole request, body included (cuts slow bodies)',
    ),
    limit(
      'keepAliveTimeoutMs',
      'SWITCHBOARD_KEEP_ALIVE_TIMEOUT_MS',
      72_000,
      'Idle keep-alive HTTP connections close after (long, so clients reusing a socket rarely race its close)',
    ),
    limit(
      'maxConnections',
      'SWITCHBOARD_MAX_CONNECTIONS',
      10_000,
      'Open TCP connections (HTTP and WebSocket) the node accepts; more are dropped; 0 = unlimited',
    ),
    limit(
      'maxWebSockets',
      'SWITCHBOARD_MAX_WEBSOCKETS',
      9_000,
      'Open WebSockets (realtime and media signaling) the node holds; more upgrades are answered 503; at most 90 % of SWITCHBOARD_MAX_CONNECTIONS (the rest stays for plain HTTP); 0 = only that bound',
    ),
    limit(
      'maxConnectionsPerUser',
      'SWITCHBOARD_MAX_CONNECTIONS_PER_USER',
      20,
      'Realtime connections one user may hold open on one node; the next handshake is refused with code 9; 0 = unlimited',
    ),
    limit('rateLimitWindowMs', 'SWITCHBOARD_RATE_LIMIT_WINDOW_MS', 60_000, 'Rate-limit window'),
    limit('rateLimitUserReads', 'SWITCHBOARD_RATE_LIMIT_USER_READS', 6000, `Per user (or IP): GET ${perWindow}`),
    limit('rateLimitUserWrites', 'SWITCHBOARD_RATE_LIMIT_USER_WRITES', 3000, `Per user (or IP): writes, ${perWindow}`),
    limit('rateLimitUserQueries', 'SWITCHBOARD_RATE_LIMIT_USER_QUERIES', 600, `Per user (or IP): Query*, ${perWindow}`),
    limit(
      'rateLimitUserConnects',
      'SWITCHBOARD_RATE_LIMIT_USER_CONNECTS',
      300,
      `Per user: realtime connects, ${perWindow}`,
    ),
    limit('rateLimitApiKeyReads', 'SWITCHBOARD_RATE_LIMIT_API_KEY_READS', 1_000_000, `Server tokens: GET ${perWindow}`),
    limit(
      'rateLimitApiKeyWrites',
      'SWITCHBOARD_RATE_LIMIT_API_KEY_WRITES',
      1_000_000,
      `Server tokens: writes, ${perWindow}`,
    ),
    limit(
      'rateLimitApiKeyQueries',
      'SWITCHBOARD_RATE_LIMIT_API_KEY_QUERIES',
      100_000,
      `Server tokens: Query*, ${perWindow}`,
    ),
  ];
}

export interface LoadedConfig {
  config: Config;
  /** `SWITCHBOARD_*` variables that match no setting (likely typos). */
  unknownEnv: string[];
}

/**
 * Settings that are each valid but do not go together; empty when the configuration can start a node. Checked by
 * `start` before it writes anything and by `config check`.
 */
export function configProblems(config: Config): string[] {
  const problems: string[] = [];
  if (Boolean(config.apiKey) !== Boolean(config.apiSecret)) {
    problems.push('set both SWITCHBOARD_API_KEY and SWITCHBOARD_API_SECRET, or neither');
  }
  if (config.redisUrl && !config.databaseUrl) {
    problems.push(
      'REDIS_URL is set but DATABASE_URL is not: nodes sharing Redis must share a PostgreSQL database; ' +
        'set DATABASE_URL, or unset REDIS_URL to run one node on SQLite',
    );
  }
  return problems;
}

/** Defaults, then environment. Throws with the variable's name on an invalid value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): LoadedConfig {
  const config = {} as Record<keyof Config, unknown>;
  for (const s of SETTINGS) {
    const raw = env[s.env];
    config[s.key] = raw === undefined || raw === '' ? s.default : s.parse(raw);
  }
  const known = new Set(SETTINGS.map((s) => s.env));
  const unknownEnv = Object.keys(env).filter((k) => k.startsWith('SWITCHBOARD_') && !known.has(k));
  return { config: { ...(config as unknown as Config), ...overrides }, unknownEnv };
}
