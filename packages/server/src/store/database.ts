/**
 * Opens the SQL database chosen by config: embedded SQLite (default, WAL) or PostgreSQL (`DATABASE_URL`).
 * One kysely query builder serves both; `dialect` lets the few dialect-specific queries choose their SQL.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import { OwnSchemaPostgresDialect } from './postgres-own-schema.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export interface SqliteOptions {
  kind: 'sqlite';
  /** A file path, or ':memory:'. */
  file: string;
}
export interface PostgresOptions {
  kind: 'postgres';
  url: string;
  /** Schema to use (and create); lets test runs and tenants share one database without seeing each other. */
  schema?: string;
  poolSize?: number;
  /**
   * PostgreSQL `statement_timeout` of every pooled connection: a statement running longer is cancelled (see
   * `isStatementTimeout`), so no request can hold a pool connection indefinitely. 0 or absent: no timeout.
   * SQLite has no equivalent (better-sqlite3 exposes no progress handler); there the filter condition budget
   * (domain/query/parse-filter.ts) bounds the work of the queries a client can shape.
   */
  statementTimeoutMs?: number;
  /**
   * How long a query waits for a pool connection (a free one, or a new one being opened) before it fails as
   * "database unavailable" (store/connection-errors.ts): while PostgreSQL is gone, requests answer 503 after this
   * instead of hanging. Default 5000 ms.
   */
  connectTimeoutMs?: number;
  /** `application_name` of every connection (`switchboard:<node id>`): operators find a node's backends by it. */
  applicationName?: string;
  /** Told about errors of connections nobody is waiting on (an idle connection cut); they must not crash. */
  onConnectionError?: (err: Error) => void;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export async function openDatabase(options: SqliteOptions | PostgresOptions): Promise<SqlDatabase> {
  const opened = options.kind === 'sqlite' ? openSqlite(options) : await openPostgres(options);
  await migrateToLatest(opened.db, opened.dialect);
  return opened;
}

function openSqlite(options: SqliteOptions): SqlDatabase {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const sqlite = new SqliteDatabase(options.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Distinct SQL texts kept prepared; `in (?, ?, …)` lists of varying length make the set open-ended. */
const STATEMENT_CACHE_LIMIT = 500;

/**
 * kysely prepares every query anew; preparing costs as much as running a primary-key lookup, so statements are
 * memoized by SQL text. Safe because kysely's SQLite driver runs one query at a time on its single connection
 * and we never use streaming queries (an iterating statement cannot be reused until it finishes).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear();
      statement = sqlite.prepare(source);
      statements.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function openPostgres(options: PostgresOptions): Promise<SqlDatabase> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  }
  const onConnectionError = options.onConnectionError ?? (() => {});
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const identity = {
    connectionTimeoutMillis: connectTimeoutMs,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  };
  if (schema) {
    const admin = new pg.Client({ connectionString: options.url, ...identity });
    admin.on('error', onConnectionError);
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...identity,
    // A peer that vanished without a FIN (a proxy or network cut) is noticed by TCP keepalive, not never.
    keepAlive: true,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // A connection cut while idle in the pool is reported on the pool; one cut while checked out (its query, if any,
  // fails on its own) is reported on the client, where the pool listens only while the client is idle. Without a
  // listener either would be an uncaught 'error' event, which ends the process. The pool drops broken clients by
  // itself (on release, or at once when idle) and opens new ones on demand, so nothing else is needed to recover.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', () => {}); // the same error, already reported by the client's own listener above
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** PostgreSQL cancelled the statement (SQLSTATE 57014, query_canceled): `statement_timeout` ran out. */
export function isStatementTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '57014';
}
