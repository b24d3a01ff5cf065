/**
 * Query plans of the reference queries use an index, on the first page and on a deep (cursor) page — the property
 * that keeps latency flat at a million calls. SQLite is checked without statistics and after ANALYZE on a
 * skewed dataset; PostgreSQL with sequential scans disabled, which proves the index (including the coalesce
 * expression indexes) is usable for the query as written, whatever the table size.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CompiledQuery, type Kysely, type KyselyPlugin, sql } from 'kysely';
import { loadSnapshots } from '../../src/services/call-page.js';
import type { CallTypeDefinition } from '../../src/services/call-type-cache.js';
import { prepareCallsQuery, queryCalls } from '../../src/store/query/query-calls.js';
import { prepareMembersQuery, queryMembers } from '../../src/store/query/query-members.js';
import type { Database } from '../../src/store/schema.js';
import { Repositories } from '../../src/store/store.js';
import { openTestDatabase, postgresSkipReason, type TestDatabase } from './databases.js';
import { type CallDoc, loadDataset } from './differential-data.js';

const secret = 'explain-secret';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** 3,000 calls: 10% backstage, 5% upcoming, 2% ongoing, 5 members each on one call in ten. */
function skewedCalls(): CallDoc[] {
  return Array.from({ length: 3000 }, (_, i) => ({
    cid: `default:c${i}`,
    id: `c${i}`,
    type: i % 7 === 0 ? 'livestream' : 'default',
    team: null,
    created_by_user_id: `u${i % 50}`,
    created_at: iso(i),
    updated_at: iso(i),
    starts_at: i % 20 === 0 ? iso(10_000 + i) : null,
    ended_at: i % 3 === 0 ? iso(i + 30) : null,
    backstage: i % 10 === 0,
    deleted: i % 97 === 0,
    custom: {},
    members:
      i % 10 === 0
        ? Array.from({ length: 5 }, (_, m) => ({
            user_id: `u${(i + m) % 50}`,
            role: m === 0 ? 'admin' : 'call_member',
            custom: {},
            created_at: iso(i + m),
            updated_at: iso(i + m),
          }))
        : [],
    session: i % 50 === 0 ? 'live' : i % 50 === 1 ? 'ended' : 'none',
  }));
}

const CALL_QUERIES: [string, object][] = [
  ['default sort', {}],
  ['sort starts_at desc', { sort: [{ field: 'starts_at', direction: -1 }] }],
  ['backstage $eq false', { filter_conditions: { backstage: { $eq: false } } }],
  ['starts_at $gt', { filter_conditions: { starts_at: { $gt: iso(10_500) } } }],
  ['ongoing $eq true', { filter_conditions: { ongoing: { $eq: true } } }],
];
const MEMBER_QUERIES: [string, object][] = [
  ['default sort', {}],
  ['sort user_id', { sort: [{ field: 'user_id', direction: 1 }] }],
  ['role $eq admin', { filter_conditions: { role: { $eq: 'admin' } } }],
];
const MEMBERS_OF = 'default:c10';

async function plan(db: Kysely<Database>, dialect: string, compiled: CompiledQuery): Promise<string> {
  if (dialect === 'sqlite') {
    const result = await db.executeQuery<{ detail: string }>({
      ...compiled,
      sql: `explain query plan ${compiled.sql}`,
    });
    return result.rows.map((r) => r.detail).join('\n');
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const result = await trx.executeQuery<{ 'QUERY PLAN': string }>({ ...compiled, sql: `explain ${compiled.sql}` });
    return result.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

function assertIndexed(dialect: string, text: string, table: string, deepPage: boolean): void {
  if (dialect === 'sqlite') {
    const main = text.split('\n').filter((l) => new RegExp(`^(SCAN|SEARCH) ${table}\\b`).test(l));
    assert.ok(main.length > 0, `no access to ${table} in:\n${text}`);
    for (const line of main)
      assert.match(line, /USING (COVERING INDEX|INDEX|PRIMARY KEY|INTEGER PRIMARY KEY)/, `full scan in:\n${text}`);
    // A deep page seeks into the index (SEARCH … <range>) instead of walking it from the start.
    if (deepPage)
      assert.ok(
        main.some((l) => l.startsWith('SEARCH')),
        `deep page does not seek:\n${text}`,
      );
  } else {
    assert.doesNotMatch(text, new RegExp(`Seq Scan on ${table}\\b`), text);
    assert.match(text, /Index (Only )?Scan|Bitmap Index Scan/, text);
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  for (const analyzed of dialect === 'sqlite' ? [false, true] : [false]) {
    describe(`query plans use indexes (${dialect}${analyzed ? ', after ANALYZE' : ''})`, () => {
      let t: TestDatabase;
      let skip: string | undefined;
      before(async () => {
        skip = dialect === 'postgres' ? await postgresSkipReason() : undefined;
        if (skip) return;
        t = await openTestDatabase(dialect);
        await loadDataset(t.db, skewedCalls(), []);
        if (analyzed || dialect === 'postgres') await sql`analyze`.execute(t.db);
      });
      after(async () => t?.close());

      for (const [name, request] of CALL_QUERIES) {
        it(`calls: ${name}, first and deep page`, async (ctx) => {
          if (skip) return ctx.skip(skip);
          const first = await queryCalls(t.db, t.dialect, { ...request, limit: 5 }, { secret });
          assert.ok(first.next, 'the dataset has a second page');
          for (const next of [undefined, first.next]) {
            const compiled = prepareCallsQuery(
              t.db,
              t.dialect,
              { ...request, limit: 5, next },
              { secret },
            ).query.compile();
            // The sort-driven scans must seek on deep pages; filters that pick few rows may range-scan instead.
            const text = await plan(t.db, dialect, compiled);
            assertIndexed(
              dialect,
              text,
              'calls',
              next !== undefined && name !== 'starts_at $gt' && name !== 'ongoing $eq true',
            );
            if (name === 'ongoing $eq true') {
              // A probe per call walked in sort order (never a join that reads every call with a session first).
              assertIndexed(dialect, text, 'call_sessions', false);
              if (dialect === 'postgres') assert.match(text, /SubPlan/, text);
            }
          }
        });
      }
      it('calls a user sees only as a member: the membership index in sort order, first and deep page', async (ctx) => {
        if (skip) return ctx.skip(skip);
        const visibility = { secret, visibleToUserId: 'u3', readableTypesForRole: [], excludeBlocked: true };
        const first = await queryCalls(t.db, t.dialect, { limit: 2 }, visibility);
        assert.ok(first.next, 'u3 is a member of more than one page of calls');
        for (const next of [undefined, first.next]) {
          const compiled = prepareCallsQuery(t.db, t.dialect, { limit: 2, next }, visibility).query.compile();
          const text = await plan(t.db, dialect, compiled);
          // Walking the user's memberships in the page's order: no sort step, no walk over other users' calls.
          assert.match(text, /call_members_q_user_created/, text);
          assert.doesNotMatch(text, /TEMP B-TREE|Sort\b/, text);
          if (dialect === 'sqlite' && next)
            assert.match(text, /SEARCH call_members USING .*\(call_created_at,call_cid\)</, text);
        }
      });
      it('the page loader reads sessions, participants, members and users through indexes', async (ctx) => {
        if (skip) return ctx.skip(skip);
        // Capture the statements a page load runs, compiled exactly as they are sent.
        const statements: CompiledQuery[] = [];
        const capture: KyselyPlugin = {
          transformQuery: (args) => {
            statements.push(t.db.getExecutor().compileQuery(args.node, args.queryId));
            return args.node;
          },
          transformResult: async (args) => args.result,
        };
        const page = await queryCalls(t.db, t.dialect, { limit: 100 }, { secret }); // some with a session
        const type = { name: 'default', grants: {} } as CallTypeDefinition;
        await loadSnapshots(
          new Repositories(t.db.withPlugin(capture), t.dialect),
          page.rows.map((row) => ({ row, type })),
        );
        const tables = ['call_sessions', 'session_participants', 'call_members', 'users'];
        assert.equal(statements.length, tables.length, statements.map((s) => s.sql).join('\n'));
        for (const [i, table] of tables.entries()) {
          assertIndexed(dialect, await plan(t.db, dialect, statements[i] as CompiledQuery), table, false);
        }
      });
      for (const [name, request] of MEMBER_QUERIES) {
        it(`members: ${name}, first and deep page`, async (ctx) => {
          if (skip) return ctx.skip(skip);
          const first = await queryMembers(t.db, t.dialect, MEMBERS_OF, { ...request, limit: 1 }, { secret });
          for (const next of [undefined, first.next]) {
            const compiled = prepareMembersQuery(
              t.db,
              t.dialect,
              MEMBERS_OF,
              { ...request, limit: 1, next },
              { secret },
            ).query.compile();
            assertIndexed(dialect, await plan(t.db, dialect, compiled), 'call_members', false);
          }
        });
      }
    });
  }
}
