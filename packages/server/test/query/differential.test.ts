/**
 * Differential property test: random datasets and random valid queries, run through the SQL query compiler on
 * SQLite and PostgreSQL, compared (ids and order, every page forward via `next` and back via `prev`) with mingo
 * (MongoDB semantics) over the same documents and a JS comparator for the order.
 *
 * Reproduce a failure with the seed and path fast-check prints: QUERY_SEED=<seed> QUERY_PATH=<path>.
 * Scale with QUERY_RUNS (datasets per dialect; each runs QUERIES_PER_DATASET queries).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Query } from 'mingo';
import type { Dialect } from '../../src/store/database.js';
import { queryCalls } from '../../src/store/query/query-calls.js';
import { queryMembers } from '../../src/store/query/query-members.js';
import { queryUsers } from '../../src/store/query/query-users.js';
import type { Page } from '../../src/store/query/run-page.js';
import { openTestDatabase, postgresSkipReason, type TestDatabase } from './databases.js';
import {
  CALL_TYPES,
  type CallDoc,
  callsArb,
  loadDataset,
  USER_IDS,
  type UserDoc,
  usersArb,
} from './differential-data.js';
import { RESOURCES, toMingo } from './differential-filters.js';

const SEED = Number(process.env.QUERY_SEED ?? 20240501);
const QUERIES_PER_DATASET = 12;
const RUNS: Record<Dialect, number> = {
  sqlite: Number(process.env.QUERY_RUNS ?? 400),
  postgres: Math.ceil(Number(process.env.QUERY_RUNS ?? 400) / 2),
};
const secret = 'differential-secret';

type Resource = keyof typeof RESOURCES;
type Sort = { field: string; direction?: 1 | -1 }[] | undefined;
interface QueryCase {
  resource: Resource;
  filter: Record<string, unknown>;
  sort: Sort;
  limit: number | undefined;
  callIndex: number;
  visibility: { userId: string; types: string[] } | null;
}

const queryArb: fc.Arbitrary<QueryCase> = fc
  .constantFrom<Resource>('calls', 'calls', 'members', 'users')
  .chain((resource) =>
    fc.record({
      resource: fc.constant(resource),
      filter: RESOURCES[resource].filter,
      sort: RESOURCES[resource].sort as fc.Arbitrary<Sort>,
      limit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined, freq: 8 }),
      callIndex: fc.nat(),
      visibility: fc.option(fc.record({ userId: fc.constantFrom(...USER_IDS), types: fc.subarray(CALL_TYPES) }), {
        freq: 3,
      }),
    }),
  );

/** The documents the oracle filters: what each resource's query may return before filtering. */
function candidates(
  q: QueryCase,
  calls: CallDoc[],
  users: UserDoc[],
): { docs: Record<string, unknown>[]; key: string; tie: string } {
  if (q.resource === 'members') {
    const call = calls[q.callIndex % Math.max(calls.length, 1)];
    return { docs: (call?.members ?? []).map((m) => ({ ...m })), key: 'user_id', tie: 'user_id' };
  }
  if (q.resource === 'users') {
    return {
      docs: users.filter((u) => !u.deleted).map(({ deleted, name, ...u }) => (name === null ? u : { ...u, name })),
      key: 'id',
      tie: 'id',
    };
  }
  const visible = calls.filter(
    (c) =>
      !c.deleted &&
      (!q.visibility ||
        q.visibility.types.includes(c.type) ||
        c.members.some((m) => m.user_id === q.visibility?.userId)),
  );
  // Null columns are left out of the document: MongoDB's "missing" is what SQL NULL means here.
  const docs = visible.map(({ deleted, session, members, ...c }) =>
    Object.fromEntries(
      Object.entries({ ...c, members: members.map((m) => m.user_id), ongoing: session === 'live' }).filter(
        ([, v]) => v !== null,
      ),
    ),
  );
  return { docs, key: 'cid', tie: 'cid' };
}

function expectedIds(q: QueryCase, calls: CallDoc[], users: UserDoc[]): string[] {
  const { key, tie, ...rest } = candidates(q, calls, users);
  const docs = json(rest.docs);
  const matched = docs.filter((d) => new Query(toMingo(q.filter, RESOURCES[q.resource].dates)).test(d));
  const defaults: Record<Resource, { field: string; direction: 1 | -1 }> = {
    calls: { field: 'created_at', direction: -1 },
    members: { field: 'created_at', direction: 1 },
    users: { field: 'created_at', direction: 1 },
  };
  const keys =
    q.sort && q.sort.length > 0
      ? q.sort.map((s) => ({ field: s.field, direction: s.direction ?? 1 }))
      : [defaults[q.resource]];
  const all = [...keys, { field: tie, direction: keys[keys.length - 1]!.direction }];
  const value = (d: Record<string, unknown>, f: string) => String(d[f] ?? ''); // missing sorts as smallest
  matched.sort((a, b) => {
    for (const { field, direction } of all) {
      const [x, y] = [value(a, field), value(b, field)];
      if (x !== y) return (x < y ? -1 : 1) * direction;
    }
    return 0;
  });
  return matched.map((d) => String(d[key]));
}

async function run(t: TestDatabase, q: QueryCase, calls: CallDoc[], cursor: { next?: string; prev?: string }) {
  const request = { filter_conditions: q.filter, sort: q.sort, limit: q.limit, ...cursor };
  const ids = (page: Page<Record<string, unknown>>, key: string) => ({
    ...page,
    ids: page.rows.map((r) => String(r[key])),
  });
  if (q.resource === 'users') return ids(await queryUsers(t.db, t.dialect, request, { secret }), 'id');
  if (q.resource === 'members') {
    const cid = calls[q.callIndex % Math.max(calls.length, 1)]?.cid ?? 'default:none';
    return ids(await queryMembers(t.db, t.dialect, cid, request, { secret }), 'user_id');
  }
  const visibility = q.visibility
    ? { visibleToUserId: q.visibility.userId, readableTypesForRole: q.visibility.types }
    : {};
  return ids(await queryCalls(t.db, t.dialect, request, { secret, ...visibility }), 'cid');
}

const stats = { queries: 0, rows: 0, pages: 0, nonEmpty: 0 };

/** What the wire delivers: plain JSON (fast-check dictionaries have null prototypes, which mingo cannot hash). */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

async function check(t: TestDatabase, generated: QueryCase, calls: CallDoc[], users: UserDoc[]): Promise<void> {
  const q = { ...generated, filter: json(generated.filter) };
  const expected = expectedIds(q, calls, users);
  stats.queries++;
  stats.rows += expected.length;
  if (expected.length > 0) stats.nonEmpty++;
  const limit = q.limit ?? 25;
  const forward = [await run(t, q, calls, {})];
  assert.equal(forward[0]!.prev, undefined, 'first page has no prev');
  while (forward[forward.length - 1]!.next) {
    assert.ok(forward.length <= expected.length + 1, 'next never ends');
    forward.push(await run(t, q, calls, { next: forward[forward.length - 1]!.next }));
  }
  assert.deepEqual(
    forward.flatMap((p) => p.ids),
    expected,
  );
  for (const p of forward.slice(0, -1)) assert.equal(p.ids.length, limit, 'only the last page is short');
  // Back from the last page via prev: the same pages, in reverse, then no further prev.
  let page = forward[forward.length - 1]!;
  for (let i = forward.length - 2; i >= 0; i--) {
    assert.ok(page.prev, `page ${i + 1} has a prev`);
    page = await run(t, q, calls, { prev: page.prev });
    assert.deepEqual(page.ids, forward[i]!.ids, `prev page ${i}`);
    assert.ok(page.next, 'a page reached by prev has a next');
  }
  assert.equal(page.prev, undefined, 'walking back ends at the first page');
  stats.pages += forward.length * 2 - 1;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`differential (${dialect}) against mingo`, () => {
    let t: TestDatabase | undefined;
    let skip: string | undefined;
    before(async () => {
      skip = dialect === 'postgres' ? await postgresSkipReason() : undefined;
      if (!skip) t = await openTestDatabase(dialect);
    });
    after(async () => t?.close());

    it(`${RUNS[dialect]} datasets × ${QUERIES_PER_DATASET} queries, every page both ways`, async (ctx) => {
      if (skip || !t) return ctx.skip(skip);
      const db = t;
      Object.assign(stats, { queries: 0, rows: 0, pages: 0, nonEmpty: 0 });
      await fc.assert(
        fc.asyncProperty(
          callsArb,
          usersArb,
          fc.array(queryArb, { minLength: QUERIES_PER_DATASET, maxLength: QUERIES_PER_DATASET }),
          async (calls, users, qs) => {
            await loadDataset(db.db, calls, users);
            for (const q of qs) await check(db, q, calls, users);
          },
        ),
        { seed: SEED, numRuns: RUNS[dialect], ...(process.env.QUERY_PATH ? { path: process.env.QUERY_PATH } : {}) },
      );
      const { queries, nonEmpty, rows, pages } = stats;
      ctx.diagnostic(
        `${dialect} seed ${SEED}: ${queries} queries (${nonEmpty} non-empty, ${rows} rows), ${pages} pages`,
      );
    });
  });
}
