/**
 * Which databases the suite runs against. SQLite always; PostgreSQL (127.0.0.1:5432, database `test`) when
 * reachable. With CI=true an unreachable PostgreSQL is a failure, not a skip. Each node started by a test gets
 * its own fresh database (in-memory SQLite, or a new PostgreSQL schema dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresOptions, SqliteOptions } from '../../src/store/database.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDialect = 'sqlite' | 'postgres';

let reachable: Promise<string | undefined> | undefined;

/** Resolves to undefined when PostgreSQL answers, otherwise to the reason it does not. */
function postgresProblem(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/**
 * Why the PostgreSQL half is skipped (printed once per caller), or undefined when PostgreSQL answers. Throws under
 * CI=true instead: a missing service must fail the run, not pass it silently.
 */
export async function postgresSkipReason(): Promise<string | undefined> {
  const problem = await postgresProblem();
  if (problem === undefined) return undefined;
  const reason = `PostgreSQL at ${POSTGRES_URL} unreachable (${problem})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; it is required when CI=true`);
  console.log(`# skipping PostgreSQL tests: ${reason}`);
  return reason;
}

/** The dialects to test: throws under CI when PostgreSQL is missing. */
export async function testDialects(): Promise<TestDialect[]> {
  return (await postgresSkipReason()) === undefined ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface FreshDatabase {
  options: SqliteOptions | PostgresOptions;
  /** Drops what was created (the PostgreSQL schema). */
  drop(): Promise<void>;
}

export function freshDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'sqlite') return { options: { kind: 'sqlite', file: ':memory:' }, drop: async () => {} };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    options: { kind: 'postgres', url: POSTGRES_URL, schema, poolSize: 5 },
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
