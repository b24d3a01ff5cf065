/**
 * The outbox group commit (store/outbox-group-commit.ts) on each database: concurrent appends share INSERTs, each
 * append resolves only once its own rows are in the table, one append's rows stay together and in order, and an
 * append whose rows cannot be written fails alone without taking the rest of its batch down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import type { Kysely } from 'kysely';
import { openDatabase } from '../../src/store/database.js';
import { OutboxGroupCommit } from '../../src/store/outbox-group-commit.js';
import { insertOutboxRows } from '../../src/store/outbox-store.js';
import type { Database } from '../../src/store/schema.js';
import { freshDatabase, testDialects } from '../support/databases.js';

function event(cid: string, n: number): CallEvent {
  return {
    type: 'custom',
    call_cid: cid,
    created_at: new Date(0).toISOString(),
    id: `${cid}-${n}`,
    custom: { n },
  } as unknown as CallEvent;
}

/** Event ids in outbox id order. */
async function storedIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('outbox').select(['id', 'event_id']).orderBy('id').execute();
  return rows.map((r) => r.event_id as string);
}

async function withDatabase(dialect: 'sqlite' | 'postgres', body: (db: Kysely<Database>) => Promise<void>) {
  const fresh = freshDatabase(dialect);
  const database = await openDatabase(fresh.options);
  try {
    await body(database.db);
  } finally {
    await database.close();
    await fresh.drop();
  }
}

for (const dialect of await testDialects()) {
  describe(`outbox group commit [${dialect}]`, () => {
    it('writes concurrent appends in shared INSERTs, each resolving after its rows are stored, in order', async () => {
      await withDatabase(dialect, async (db) => {
        const statements: number[] = [];
        const group = new OutboxGroupCommit(db, 1000, async (d, events) => {
          statements.push(events.length);
          await insertOutboxRows(d, events);
        });
        // 40 requests at once, each with its own events (three of call-7's, to check one append stays together).
        const appends = Array.from({ length: 40 }, (_, i) => {
          const events = i === 7 ? [event('c7', 0), event('c7', 1), event('c7', 2)] : [event(`c${i}`, 0)];
          return group.append(events).then(async () => {
            // Resolved: this append's rows must already be readable by anyone.
            const ids = await storedIds(db);
            for (const e of events)
              assert.ok(ids.includes(e.id as string), `${e.id} stored before its append resolved`);
          });
        });
        await Promise.all(appends);
        const expected = Array.from({ length: 40 }, (_, i) =>
          i === 7 ? ['c7-0', 'c7-1', 'c7-2'] : [`c${i}-0`],
        ).flat();
        assert.deepEqual(await storedIds(db), expected, 'rows in append order, one append contiguous');
        assert.ok(statements.length < 40, `40 appends in ${statements.length} statements`);
        assert.equal(
          statements.reduce((a, b) => a + b, 0),
          42,
        );
      });
    });

    it('fails only the append whose rows cannot be written; the rest of its batch is stored', async () => {
      await withDatabase(dialect, async (db) => {
        // The database refuses any statement holding the poisoned event (as it would an unwritable row).
        const group = new OutboxGroupCommit(db, 1000, async (d, events) => {
          if (events.some((e) => e.call_cid === 'poison')) throw new Error('row refused');
          await insertOutboxRows(d, events);
        });
        const results = await Promise.allSettled([
          group.append([event('a', 0)]),
          group.append([event('b', 0), event('b', 1)]),
          group.append([event('poison', 0)]),
          group.append([event('c', 0)]),
          group.append([event('a', 1)]),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
        );
        assert.match(String((results[2] as PromiseRejectedResult).reason), /row refused/);
        assert.deepEqual(await storedIds(db), ['a-0', 'b-0', 'b-1', 'c-0', 'a-1']);
        // The group keeps working after a failure.
        await group.append([event('d', 0)]);
        assert.deepEqual((await storedIds(db)).at(-1), 'd-0');
      });
    });

    it('splits batches at the row bound without splitting an append, and drains', async () => {
      await withDatabase(dialect, async (db) => {
        const statements: number[] = [];
        const group = new OutboxGroupCommit(db, 4, async (d, events) => {
          statements.push(events.length);
          await insertOutboxRows(d, events);
        });
        const sizes = [1, 3, 3, 2, 5, 1];
        const pending = sizes.map((n, i) => group.append(Array.from({ length: n }, (_, k) => event(`s${i}`, k))));
        await group.drain();
        await Promise.all(pending);
        // The first append is written alone (nothing was in flight); then whole appends up to 4 rows, or one
        // larger append by itself.
        assert.deepEqual(statements, [1, 3, 3, 2, 5, 1]);
        assert.equal((await storedIds(db)).length, 15);
      });
    });
  });
}
