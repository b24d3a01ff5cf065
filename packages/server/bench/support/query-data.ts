/**
 * The query benchmark's dataset, generated inside the database (no rows cross the driver): N calls with 5 members
 * each and 1,000 users, in SQLite or PostgreSQL. The query indexes are dropped for the load and built afterwards,
 * as a bulk import would; both times are reported.
 *
 * Call i (created at BASE + i seconds): type default / audio_room / livestream by i mod 3; creator u(i mod 1000);
 * every 20th has starts_at 30 days after creation; 10% backstage; half ended; 1% soft-deleted; 1% with a current
 * session, a fifth of those running (ongoing). Members u((i + 7j) mod 1000) for j = 0..4, the first an admin.
 */
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../src/store/database.js';
import { MEMBER_CALLS_INDEX, MEMBER_CALLS_INDEX_DEFINITION } from '../../src/store/query/member-calls-migration.js';
import { QUERY_INDEXES, queryIndexesMigration } from '../../src/store/query/query-indexes-migration.js';
import type { Database } from '../../src/store/schema.js';

export const BASE = Date.parse('2030-01-01T00:00:00.000Z');
export const USERS = 1000;

/** Call i's time `seconds` after BASE, as the API stores it (RFC 3339, milliseconds). */
export const iso = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

export interface LoadTimes {
  load_seconds: number;
  index_seconds: number;
}

export async function loadDataset(db: Kysely<Database>, dialect: Dialect, calls: number): Promise<LoadTimes> {
  const sqlite = dialect === 'sqlite';
  const ts = (expr: string) =>
    sqlite
      ? `strftime('%Y-%m-%dT%H:%M:%fZ', ${BASE / 1000} + (${expr}), 'unixepoch')`
      : `to_char(to_timestamp(${BASE / 1000} + (${expr})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  /** `insert into <table> select <columns> from` numbers i = start, start + step, … ≤ end (and j = 0..4). */
  const insert = (table: string, columns: string, start: number, end: number, step: number, withJ = false) => {
    if (sqlite) {
      const j = withJ ? ', m(j) as (values (0), (1), (2), (3), (4))' : '';
      return `with recursive n(i) as (select ${start} union all select i + ${step} from n where i + ${step} <= ${end})${j}
        insert into ${table} select ${columns} from n${withJ ? ', m' : ''}`;
    }
    const j = withJ ? ', generate_series(0, 4) as m(j)' : '';
    return `insert into ${table} select ${columns} from generate_series(${start}, ${end}, ${step}) as n(i)${j}`;
  };
  const type = `(case i % 3 when 0 then 'default' when 1 then 'audio_room' else 'livestream' end)`;

  for (const index of [...Object.keys(QUERY_INDEXES), MEMBER_CALLS_INDEX])
    await sql.raw(`drop index if exists ${index}`).execute(db);
  const started = performance.now();
  await sql
    .raw(
      insert(
        'users',
        `'u' || i, 'User ' || i, null, 'user', '{}', '[]', ${ts('i')}, ${ts('i')}, null`,
        0,
        USERS - 1,
        1,
      ),
    )
    .execute(db);
  await sql
    .raw(
      insert(
        'calls',
        `${type} || ':c' || i, ${type}, 'c' || i, 'u' || (i % ${USERS}), null, '{}', '{}',
        case when i % 20 = 0 then ${ts('i + 86400 * 30')} end, case when i % 10 = 0 then 1 else 0 end, '[]',
        ${ts('i')}, ${ts('i')}, case when i % 2 = 0 then ${ts('i + 3600')} end,
        case when i % 100 = 99 then ${ts('i')} end, case when i % 100 = 7 then 's' || i end`,
        0,
        calls - 1,
        1,
      ),
    )
    .execute(db);
  await sql
    .raw(
      insert(
        // Named columns: later migrations add columns; the call's created_at is copied here, not by the trigger.
        'call_members (call_cid, user_id, role, custom, created_at, updated_at, call_created_at)',
        `${type} || ':c' || i, 'u' || ((i + j * 7) % ${USERS}), case when j = 0 then 'admin' else 'call_member' end,
        '{}', ${ts('i + j')}, ${ts('i + j')}, ${ts('i')}`,
        0,
        calls - 1,
        1,
        true,
      ),
    )
    .execute(db);
  await sql
    .raw(
      insert(
        'call_sessions',
        `'s' || i, ${type} || ':c' || i, ${ts('i')}, ${ts('i')}, case when i % 500 <> 7 then ${ts('i + 60')} end,
        null, null, '{}', '{}', '{}', '[]'`,
        7,
        calls - 1,
        100,
      ),
    )
    .execute(db);
  const loaded = performance.now();
  await queryIndexesMigration.up(db);
  await sql.raw(`create index ${MEMBER_CALLS_INDEX} ${MEMBER_CALLS_INDEX_DEFINITION}`).execute(db);
  const indexed = performance.now();
  const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
  return { load_seconds: seconds(loaded - started), index_seconds: seconds(indexed - loaded) };
}

/** Planner statistics: SQLite never gathers them by itself; PostgreSQL also sets the visibility map. */
export async function analyze(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  await sql.raw(dialect === 'sqlite' ? 'analyze' : 'vacuum analyze').execute(db);
}

/**
 * Whether this database holds a complete dataset of `calls` calls from an earlier run (BENCH_QUERY_KEEP): the
 * marker is written only after loading and indexing finished, so an interrupted load is never reused.
 */
export async function wasLoaded(db: Kysely<Database>, calls: number): Promise<boolean> {
  await sql`create table if not exists bench_dataset (calls integer not null)`.execute(db);
  const rows = await sql<{ calls: number }>`select calls from bench_dataset`.execute(db);
  if (rows.rows.some((r) => Number(r.calls) === calls)) return true;
  // A partial or other dataset (an interrupted run): start from empty tables.
  for (const table of ['bench_dataset', 'session_participants', 'call_sessions', 'call_members', 'calls', 'users'])
    await sql`delete from ${sql.table(table)}`.execute(db);
  return false;
}

export async function markLoaded(db: Kysely<Database>, calls: number): Promise<void> {
  await sql`insert into bench_dataset (calls) values (${calls})`.execute(db);
}
