/**
 * Test databases for the query tests: SQLite in memory, and PostgreSQL in a schema of its own (dropped on close)
 * when a server answers on 127.0.0.1:5432. In CI (`CI=true`) an unreachable PostgreSQL fails the run instead of
 * skipping, so a broken service container cannot pass silently.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Dialect, openDatabase, type SqlDatabase } from '../../src/store/database.js';
import { queryIndexesMigration } from '../../src/store/query/query-indexes-migration.js';

export const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends SqlDatabase {}

export async function openTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const opened = await openDatabase({ kind: 'sqlite', file: ':memory:' });
    await queryIndexesMigration.up(opened.db);
    return opened;
  }
  const schema = `q_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dropSchema = async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await admin.end();
    }
  };
  let opened: SqlDatabase | undefined;
  try {
    opened = await openDatabase({ kind: 'postgres', url: PG_URL, schema, poolSize: 4 });
    await queryIndexesMigration.up(opened.db);
  } catch (error) {
    await opened?.close();
    await dropSchema(); // openDatabase creates the schema before migrating; leave nothing behind
    throw error;
  }
  const { close } = opened;
  return {
    ...opened,
    async close() {
      await close();
      await dropSchema();
    },
  };
}

/** Why PostgreSQL tests are skipped, or undefined when it is reachable. Throws in CI when it is not. */
export async function postgresSkipReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL not reachable at ${PG_URL}: ${(error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${reason} (required when CI=true)`);
    console.log(`# skipping PostgreSQL: ${reason}`);
    return reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}
