/**
 * Query benchmark (issue 3): N calls with 5 members each, then p50/p99 latency of each reference filter + sort of
 * QueryCalls with `limit: 25`, on the first page and on a deep page (a cursor in the middle of the calls), plus
 * the QueryCallMembers references and user-token visibility. Target: p99 ≤ 5 ms for each engine query on SQLite.
 *
 * Two layers are measured on one composed node:
 * - `engine`: the SQL of one page (store/query), as the target defines it; on SQLite without planner
 *   statistics (a fresh database) and after ANALYZE;
 * - `http`: the whole QueryCalls operation through `app.inject` (auth, validation, SQL, 25 entries with their
 *   members and capabilities, serialisation), with the node's call snapshot cache cold and warm.
 *
 * Settings (env): BENCH_QUERY_CALLS (SQLite calls, default 1,000,000; ~1.5 min to load), BENCH_QUERY_CALLS_PG
 * (PostgreSQL calls, default 1,000,000; 0 skips it; skipped too when BENCH_PG_URL does not answer),
 * BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test; a schema of its own, dropped afterwards),
 * BENCH_QUERY_ITERATIONS (measured runs per query, default 300, after 30 unmeasured), BENCH_QUERY_KEEP=1 (keep
 * the loaded dataset — a SQLite file in the temp directory, a PostgreSQL schema `bench_query_keep_<calls>` — and
 * reuse it on the next run with the same size instead of loading again; pending migrations are applied to it on
 * start, so new indexes are measured on the kept data).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServerToken, createUserToken } from '@switchboard/sdk';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { composeNode, type SwitchboardNode } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { encodeCursor } from '../src/domain/query/cursor.js';
import { CALLS } from '../src/domain/query/fields.js';
import { parseSort, sortSignature } from '../src/domain/query/sort.js';
import { cursorSecret } from '../src/services/query-paging.js';
import type { Dialect } from '../src/store/database.js';
import { queryCalls } from '../src/store/query/query-calls.js';
import { queryMembers } from '../src/store/query/query-members.js';
import { analyze, iso, loadDataset, markLoaded, wasLoaded } from './support/query-data.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'query-calls';
const TARGET_P99_MS = 5;
const LIMIT = 25;
const WARMUP = 30;

type Latency = { p50: number; p99: number };
type Request = { sort?: unknown; filter_conditions?: unknown };

function count(env: string, fallback: number, min: number): number {
  const raw = process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || (n !== 0 && n < min))
    throw new Error(`${env} must be 0 or an integer ≥ ${min}, got ${raw}`);
  return n;
}

const ITERATIONS = count('BENCH_QUERY_ITERATIONS', 300, 10);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEEP = process.env.BENCH_QUERY_KEEP === '1';

async function latency(fn: () => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < WARMUP; i++) await fn(); // caches and the JIT settle; only steady state is reported
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

/** The reference queries and, for the deep page, the sort position of a call in the middle. */
function references(calls: number): [string, Request, string[]][] {
  const middle = calls / 2 - ((calls / 2) % 3); // a 'default' call, so its cid is the tie-break value
  const cid = `default:c${middle}`;
  return [
    ['default sort', {}, [iso(middle), cid]],
    ['sort starts_at desc', { sort: [{ field: 'starts_at', direction: -1 }] }, [iso(middle + 86400 * 30), cid]],
    ['backstage $eq false', { filter_conditions: { backstage: { $eq: false } } }, [iso(middle), cid]],
    ['starts_at $gt', { filter_conditions: { starts_at: { $gt: iso(middle) } } }, [iso(middle), cid]],
    ['ongoing $eq true', { filter_conditions: { ongoing: { $eq: true } } }, [iso(middle), cid]],
  ];
}

const deepCursor = (secret: string, request: Request, position: string[]) =>
  encodeCursor(
    secret,
    { scope: 'calls', sort: sortSignature(parseSort(CALLS, request.sort)), direction: 'next' },
    position,
  );

async function measureEngine(node: SwitchboardNode, calls: number): Promise<Record<string, Latency>> {
  const { db, dialect } = node.ctx.store;
  const secret = cursorSecret(node.ctx.config);
  const out: Record<string, Latency> = {};
  for (const [label, request, position] of references(calls)) {
    const next = deepCursor(secret, request, position);
    out[`calls: ${label}, first page`] = await latency(() =>
      queryCalls(db, dialect, { ...request, limit: LIMIT }, { secret }),
    );
    out[`calls: ${label}, deep page`] = await latency(() =>
      queryCalls(db, dialect, { ...request, limit: LIMIT, next }, { secret }),
    );
  }
  const cid = 'default:c300';
  out['members: role $eq admin'] = await latency(() =>
    queryMembers(db, dialect, cid, { filter_conditions: { role: 'admin' } }, { secret }),
  );
  out['members: sort user_id, limit 2'] = await latency(() =>
    queryMembers(db, dialect, cid, { sort: [{ field: 'user_id', direction: 1 }], limit: 2 }, { secret }),
  );
  const asUser = (types: string[]) => () =>
    queryCalls(
      db,
      dialect,
      { limit: LIMIT },
      { secret, visibleToUserId: 'u5', readableTypesForRole: types, excludeBlocked: true },
    );
  out['calls as a user: readable type or member'] = await latency(asUser(['livestream']));
  out['calls as a user: member only (0.5% of calls)'] = await latency(asUser([]));
  return out;
}

async function measureHttp(node: SwitchboardNode, calls: number): Promise<Record<string, Latency>> {
  const secret = cursorSecret(node.ctx.config);
  const serverToken = await createServerToken(node.apiSecret);
  const userToken = await createUserToken(node.apiSecret, { user_id: 'u5' });
  const post =
    (body: object, token = serverToken, cold = false) =>
    async () => {
      if (cold) node.ctx.snapshots.clear();
      const res = await node.app.inject({
        method: 'POST',
        url: `/api/v2/video/calls?api_key=${node.apiKey}`,
        headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        payload: JSON.stringify({ ...body, limit: LIMIT }),
      });
      if (res.statusCode !== 200) throw new Error(`QueryCalls answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    };
  const out: Record<string, Latency> = {};
  for (const [label, request, position] of references(calls)) {
    out[`${label}, first page, cold cache`] = await latency(post(request, serverToken, true));
    out[`${label}, first page, warm cache`] = await latency(post(request));
    const next = deepCursor(secret, request, position);
    out[`${label}, deep page, cold cache`] = await latency(post({ ...request, next }, serverToken, true));
  }
  out['user token (u5), default sort, cold cache'] = await latency(post({}, userToken, true));
  return out;
}

async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL not reachable at ${PG_URL}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

async function forgetSqliteStatistics(node: SwitchboardNode): Promise<void> {
  const db = node.ctx.store.db;
  const tables = await sql<{ name: string }>`select name from sqlite_master where name like 'sqlite_stat%'`.execute(db);
  for (const { name: table } of tables.rows) await sql`delete from ${sql.table(table)}`.execute(db);
}

const worst = (results: Record<string, Latency>) => Math.max(...Object.values(results).map((r) => r.p99));

async function benchDialect(dialect: Dialect, calls: number, log: (line: string) => void) {
  // A kept dataset lives under a fixed name per size, so the next run finds it; otherwise a private one.
  const dataDir = KEEP ? tmpdir() : mkdtempSync(join(tmpdir(), 'switchboard-bench-query-'));
  const file = join(dataDir, KEEP ? `switchboard-bench-query-keep-${calls}.sqlite` : 'bench.sqlite');
  const schema = KEEP ? `bench_query_keep_${calls}` : `bench_q_${process.pid}_${randomBytes(3).toString('hex')}`;
  let node: SwitchboardNode | undefined;
  try {
    const { config } = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' });
    const database =
      dialect === 'sqlite'
        ? { kind: 'sqlite' as const, file }
        : // No statement timeout: the bulk load's statements run for minutes.
          { kind: 'postgres' as const, url: PG_URL, schema, poolSize: 4, statementTimeoutMs: 0 };
    node = await composeNode({ config, database, logger: pino({ level: 'silent' }) });
    const out: Record<string, unknown> = { calls, members: calls * 5 };
    if (KEEP && (await wasLoaded(node.ctx.store.db, calls))) {
      log(`${name} [${dialect}]: reusing the kept dataset of ${calls.toLocaleString('en')} calls`);
      out.reused_dataset = true;
    } else {
      log(`${name} [${dialect}]: loading ${calls.toLocaleString('en')} calls with 5 members each`);
      Object.assign(out, await loadDataset(node.ctx.store.db, dialect, calls));
      if (KEEP) await markLoaded(node.ctx.store.db, calls);
      log(`${name} [${dialect}]: loaded in ${out.load_seconds} s, indexed in ${out.index_seconds} s; measuring`);
    }
    if (dialect === 'sqlite') out.engine_without_stats = await measureEngine(node, calls);
    await analyze(node.ctx.store.db, dialect);
    const engine = await measureEngine(node, calls);
    out.engine = engine;
    out.engine_worst_p99 = worst(engine);
    out.meets_target = worst(engine) <= TARGET_P99_MS;
    log(`${name} [${dialect}]: through HTTP`);
    out.http = await measureHttp(node, calls);
    // SQLite reads statistics at open: forget them (stat4 too, which better-sqlite3's build gathers), so the next
    // run of a kept file measures "without stats" again.
    if (KEEP && dialect === 'sqlite') await forgetSqliteStatistics(node);
    // On stderr at once too: a later failure (the other database) must not lose these figures.
    log(`${name} [${dialect}]: ${JSON.stringify(out)}`);
    return out;
  } finally {
    await node?.close();
    if (!KEEP) {
      if (dialect === 'postgres') await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

export async function run(_settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const sqliteCalls = count('BENCH_QUERY_CALLS', 1_000_000, 1000);
  const postgresCalls = count('BENCH_QUERY_CALLS_PG', 1_000_000, 1000);
  const loadAtStart = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const result: Record<string, unknown> = {
    benchmark: name,
    unit: 'ms',
    limit: LIMIT,
    iterations: ITERATIONS,
    target: `engine p99 <= ${TARGET_P99_MS} ms for each reference query on both databases`,
    node: process.version,
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? 'unknown',
    // Other work on the machine skews the figures; a load above ~0.5 means re-run when it is quiet.
    load_avg_1m_at_start: loadAtStart,
  };
  if (sqliteCalls > 0) result.sqlite = await benchDialect('sqlite', sqliteCalls, log);
  const problem = postgresCalls === 0 ? 'BENCH_QUERY_CALLS_PG=0' : await postgresProblem();
  result.postgres = problem ? { skipped: problem } : await benchDialect('postgres', postgresCalls, log);
  result.load_avg_1m_at_end = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  return result;
}
