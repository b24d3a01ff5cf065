/**
 * Whether the PostgreSQL database and the Redis server a configuration names answer, checked before a node writes
 * anything (credentials, schema) and by `switchboard config check`. Each check opens one short-lived connection
 * and gives up after a few seconds, so an address that drops packets fails the start instead of hanging it.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from './config.js';
import { errorText, StartupError } from './startup-error.js';

/** How long one check waits for its server before calling it unreachable. */
export const BACKEND_CHECK_TIMEOUT_MS = 5000;

/** `host:port` of a URL, without its credentials (they must not reach logs or terminals). */
function hostOf(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || defaultPort}`;
  } catch {
    return '(unparsable URL)';
  }
}

export async function checkDatabase(databaseUrl: string, timeoutMs = BACKEND_CHECK_TIMEOUT_MS): Promise<void> {
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: timeoutMs });
  // A connection that breaks after the check must not crash the process with an unhandled 'error' event.
  client.on('error', () => {});
  const started = Date.now();
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    // pg words its connect timeout as "Connection terminated unexpectedly", which hides what happened.
    const why = Date.now() - started >= timeoutMs ? `no answer within ${timeoutMs} ms` : errorText(err);
    throw new StartupError(
      `DATABASE_URL: cannot use PostgreSQL at ${hostOf(databaseUrl, 5432)} (${why}): ` +
        'start PostgreSQL there or fix DATABASE_URL',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function checkRedis(redisUrl: string, timeoutMs = BACKEND_CHECK_TIMEOUT_MS): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // One attempt: the question is whether it answers now, not whether it will some day.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let lastError: unknown;
  redis.on('error', (err) => {
    lastError = err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new StartupError(
      `REDIS_URL: cannot use Redis at ${hostOf(redisUrl, 6379)} (${errorText(lastError ?? err)}): ` +
        'start Redis there or fix REDIS_URL',
    );
  } finally {
    redis.disconnect();
  }
}

/** Both backends the configuration names, in parallel; SQLite needs no check (it is a file in the data dir). */
export async function checkBackends(config: Pick<Config, 'databaseUrl' | 'redisUrl'>): Promise<void> {
  await Promise.all([
    config.databaseUrl ? checkDatabase(config.databaseUrl) : undefined,
    config.redisUrl ? checkRedis(config.redisUrl) : undefined,
  ]);
}
