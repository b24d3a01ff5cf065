/**
 * Flake at its root (issue 8, finding 14): every test node migrates its own PostgreSQL schema while other tests
 * drop theirs. Opening must only ever look at its own schema, so that a `drop schema … cascade` elsewhere cannot
 * make it fail (kysely's stock introspection reads every schema's catalog rows and raced such drops).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type SqlDatabase } from '../../src/store/database.js';
import { freshDatabase, testDialects } from '../support/databases.js';

async function migrationCount(db: SqlDatabase): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from kysely_migration`.execute(db.db);
  return Number(rows[0]?.n);
}

const postgres = (await testDialects()).includes('postgres');
const OPENS = 30;

it(
  `${OPENS} schemas open in parallel while ${OPENS} others are dropped`,
  { skip: !postgres && 'PostgreSQL unreachable', timeout: 120_000 },
  async () => {
    // Schemas to drop while the others migrate: each fully migrated first, so dropping them is real catalog churn.
    const doomed = Array.from({ length: OPENS }, () => freshDatabase('postgres'));
    let started = Date.now();
    await Promise.all(doomed.map(async (d) => (await openDatabase(d.options)).close()));
    console.log(`# ${OPENS} schemas migrated in parallel in ${Date.now() - started} ms`);
    started = Date.now();

    const fresh = Array.from({ length: OPENS }, () => freshDatabase('postgres'));
    const opened: SqlDatabase[] = [];
    try {
      const results = await Promise.allSettled([
        ...fresh.map(async (f) => {
          const db = await openDatabase({ ...f.options, poolSize: 2 } as typeof f.options);
          opened.push(db);
          return db;
        }),
        ...doomed.map((d) => d.drop()),
      ]);
      console.log(`# ${OPENS} opens racing ${OPENS} drops took ${Date.now() - started} ms`);
      const failures = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
      assert.deepEqual(failures, [], `${failures.length} of ${results.length} operations failed`);
      // Each opened schema is fully migrated: its tables answer, and it recorded the same migrations as the rest.
      const applied = await Promise.all(opened.map((db) => migrationCount(db)));
      assert.ok(applied[0] !== undefined && applied[0] > 0);
      assert.deepEqual(new Set(applied), new Set([applied[0]]));
      for (const db of opened) await db.db.selectFrom('call_types').select('name').execute();
    } finally {
      await Promise.all(opened.map((db) => db.close()));
      await Promise.all(fresh.map((f) => f.drop()));
    }
  },
);
