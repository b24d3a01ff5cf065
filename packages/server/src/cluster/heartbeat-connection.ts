/**
 * The database connection a node's heartbeat uses (node-liveness.ts). On PostgreSQL it is a pool of its own with
 * one connection, apart from the request pool: a heartbeat that waited behind a saturated request pool would pass
 * the node TTL and the other nodes would take a busy, healthy node for dead. On SQLite there is one node and one
 * connection, so the store's own is used.
 *
 * Owns: that pool. Imports: pg, kysely.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { PostgresOptions, SqliteOptions } from '../store/database.js';
import type { Database } from '../store/schema.js';

export interface HeartbeatConnection {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/**
 * `timeoutMs` bounds connecting and each statement, so a beat that cannot reach the database fails in time for the
 * next one to try again rather than piling up behind it.
 */
export function openHeartbeatConnection(
  options: SqliteOptions | PostgresOptions,
  shared: Kysely<Database>,
  timeoutMs: number,
  logger: Logger,
): HeartbeatConnection {
  if (options.kind === 'sqlite') return { db: shared, close: async () => {} };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    // The schema was created (and migrated) by the store before this opens.
    ...(options.schema ? { options: `-c search_path="${options.schema}"` } : {}),
  });
  // An idle connection dropped by the server (restart, proxy cut) must not crash the node: the next beat reconnects.
  pool.on('error', (err) => logger.warn({ err }, 'heartbeat connection lost; the next beat reconnects'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, close: () => db.destroy() };
}
