/**
 * Query benchmark (issue 3): N calls (default 1,000,000) with 5 members each in a SQLite file, then p50/p99
 * latency of each reference query with `limit: 25`, first page and a deep page (a cursor in the middle), before
 * and after ANALYZE. Prints one JSON document. Not a test (minutes to load); run it directly:
 *
 *   node --import tsx packages/server/test/query/query-bench.ts [calls]
 *
 * Data: 3 call types; every 20th call has starts_at 30 days after creation; 10% backstage; half ended; 1%
 * deleted; 1% with a session, a fifth of those running (ongoing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { encodeCursor } from '../../src/domain/query/cursor.js';
import { CALLS } from '../../src/domain/query/fields.js';
import { parseSort, sortSignature } from '../../src/domain/query/sort.js';
import { openDatabase } from '../../src/store/database.js';
import { queryCalls } from '../../src/store/query/query-calls.js';
import { queryIndexesMigration } from '../../src/store/query/query-indexes-migration.js';
import { queryMembers } from '../../src/store/query/query-members.js';
import type { Database } from '../../src/store/schema.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ITERATIONS = 300;
const BASE = Date.parse('2030-01-01T00:00:00.000Z');
const secret = 'bench-secret';
const iso = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

async function load(db: Kysely<Database>): Promise<void> {
  const ts = (expr: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${BASE / 1000} + (${expr}), 'unixepoch')`;
  const type = `(case i % 3 when 0 then 'default' when 1 then 'audio_room' else 'livestream' end)`;
  const numbers = `with recursive n(i) as (select 0 union all select i + 1 from n where i < ${N - 1})`;
  await sql
    .raw(`${numbers} insert into calls select ${type} || ':c' || i, ${type}, 'c' || i, 'u' || (i % 1000), null,
    '{}', '{}', case when i % 20 = 0 then ${ts('i + 86400 * 30')} end, case when i % 10 = 0 then 1 else 0 end, '[]',
    ${ts('i')}, ${ts('i')}, case when i % 2 = 0 then ${ts('i + 3600')} end, case when i % 100 = 99 then ${ts('i')} end,
    case when i % 100 = 7 then 's' || i end from n`)
    .execute(db);
  await sql
    .raw(`${numbers}, m(j) as (values (0), (1), (2), (3), (4)) insert into call_members select
    ${type} || ':c' || i, 'u' || ((i + j * 7) % 1000), case when j = 0 then 'admin' else 'call_member' end, '{}',
    ${ts('i + j')}, ${ts('i + j')} from n, m`)
    .execute(db);
  await sql
    .raw(`with recursive n(i) as (select 7 union all select i + 100 from n where i < ${N - 100})
    insert into call_sessions select 's' || i, 'x', ${ts('i')}, ${ts('i')}, case when i % 500 <> 7 then ${ts('i + 60')} end,
    null, null, '{}', '{}', '{}', '[]' from n`)
    .execute(db);
}

async function latency(fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 30; i++) await fn(); // warm caches and the JIT; only steady state is reported
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Number(times[Math.floor(q * (times.length - 1))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

const middle = N / 2 - ((N / 2) % 3); // a 'default' call, so its cid is the tie-break value below
const REFERENCE: [string, { sort?: unknown; filter_conditions?: unknown }, string[]][] = [
  ['default sort', {}, [iso(middle), `default:c${middle}`]],
  [
    'sort starts_at desc',
    { sort: [{ field: 'starts_at', direction: -1 }] },
    [iso(middle + 86400 * 30), `default:c${middle}`],
  ],
  ['backstage $eq false', { filter_conditions: { backstage: { $eq: false } } }, [iso(middle), `default:c${middle}`]],
  ['starts_at $gt', { filter_conditions: { starts_at: { $gt: iso(middle) } } }, [iso(middle), `default:c${middle}`]],
  ['ongoing $eq true', { filter_conditions: { ongoing: { $eq: true } } }, [iso(middle), `default:c${middle}`]],
];

async function measure(db: Kysely<Database>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, request, position] of REFERENCE) {
    const keys = parseSort(CALLS, request.sort);
    const next = encodeCursor(secret, { scope: 'calls', sort: sortSignature(keys), direction: 'next' }, position);
    out[`calls: ${name}, first page`] = await latency(() =>
      queryCalls(db, 'sqlite', { ...request, limit: 25 }, { secret }),
    );
    out[`calls: ${name}, deep page`] = await latency(() =>
      queryCalls(db, 'sqlite', { ...request, limit: 25, next }, { secret }),
    );
  }
  const cid = 'default:c300';
  out['members: role $eq admin'] = await latency(() =>
    queryMembers(db, 'sqlite', cid, { filter_conditions: { role: 'admin' } }, { secret }),
  );
  out['members: sort user_id, limit 2'] = await latency(() =>
    queryMembers(db, 'sqlite', cid, { sort: [{ field: 'user_id', direction: 1 }], limit: 2 }, { secret }),
  );
  const asUser = (types: string[]) => () =>
    queryCalls(db, 'sqlite', { limit: 25 }, { secret, visibleToUserId: 'u5', readableTypesForRole: types });
  out['calls as a user: readable type or member'] = await latency(asUser(['livestream']));
  out['calls as a user: member only (0.5% of calls)'] = await latency(asUser([]));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
try {
  const { db, close } = await openDatabase({ kind: 'sqlite', file: join(dir, 'bench.sqlite') });
  await queryIndexesMigration.up(db);
  const started = performance.now();
  await load(db);
  const loadSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const withoutStats = await measure(db);
  await sql`analyze`.execute(db);
  const analyzed = await measure(db);
  await close();
  console.log(JSON.stringify({ calls: N, members: N * 5, loadSeconds, unit: 'ms', withoutStats, analyzed }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
