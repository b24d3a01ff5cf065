/**
 * Migration `0002_query_indexes`: the indexes the query compiler's SQL is shaped for. Every index on calls and
 * users is partial on `deleted_at is null` (the queries always say so), so soft-deleted rows cost nothing.
 *
 * Each sortable key has an index ending in the tie-break, which serves the ORDER BY, the keyset seek
 * `(key, tie) < (…, …)` and both scan directions. Nullable times are indexed as `coalesce(col, '')`, the exact
 * expression sql-filter.ts writes (see columnSql). Equality filters common in apps (backstage, ongoing, team,
 * creator, member role) lead an index followed by the default sort key, so "filter + default sort + limit" reads
 * only the rows it returns. `$q`, `$autocomplete` and `custom.<key>` conditions are not indexed: they narrow
 * what an indexed condition or the sort already walks.
 *
 * Applied as `0002_query_indexes` (migrations.ts). The SQL is the same in both dialects; `if not exists` lets the
 * query tests apply it to databases opened without the migrator.
 */
import { type Kysely, type Migration, sql } from 'kysely';

const LIVE = 'where deleted_at is null';

export const QUERY_INDEXES: Readonly<Record<string, string>> = {
  calls_q_created: `on calls (created_at, cid) ${LIVE}`,
  calls_q_updated: `on calls (updated_at, cid) ${LIVE}`,
  calls_q_starts: `on calls ((coalesce(starts_at, '')), cid) ${LIVE}`,
  calls_q_ended: `on calls ((coalesce(ended_at, '')), cid) ${LIVE}`,
  calls_q_type: `on calls (type, cid) ${LIVE}`,
  calls_q_id: `on calls (id, cid) ${LIVE}`,
  calls_q_backstage: `on calls (backstage, created_at, cid) ${LIVE}`,
  // Ongoing calls are few: this index holds only calls with a session, so `ongoing: true` never walks the rest.
  calls_q_with_session: `on calls (created_at, cid) ${LIVE} and current_session_id is not null`,
  calls_q_team: `on calls (team, created_at, cid) ${LIVE}`,
  calls_q_creator: `on calls (created_by_user_id, created_at, cid) ${LIVE}`,
  call_members_q_role: 'on call_members (call_cid, role, created_at, user_id)',
  users_q_created: `on users (created_at, id) ${LIVE}`,
  users_q_updated: `on users (updated_at, id) ${LIVE}`,
  users_q_role: `on users (role, created_at, id) ${LIVE}`,
};

export const queryIndexesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const [name, definition] of Object.entries(QUERY_INDEXES)) {
      await sql.raw(`create index if not exists ${name} ${definition}`).execute(db);
    }
  },
  async down(db: Kysely<unknown>) {
    for (const name of Object.keys(QUERY_INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
  },
};

/**
 * Migration `0110_query_running_sessions`: the running sessions (started, not ended) alone, for the `ongoing`
 * filter's per-call probe (sql-filter.ts): the probe is answered from this small index without reading the
 * session row, and sessions that ended (nearly all of them, over time) are not in it.
 */
export const RUNNING_SESSIONS_INDEX = {
  call_sessions_q_running: 'on call_sessions (id) where started_at is not null and ended_at is null',
} as const;

export const runningSessionsIndexMigration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const [name, definition] of Object.entries(RUNNING_SESSIONS_INDEX)) {
      await sql.raw(`create index if not exists ${name} ${definition}`).execute(db);
    }
  },
  async down(db: Kysely<unknown>) {
    for (const name of Object.keys(RUNNING_SESSIONS_INDEX)) await sql.raw(`drop index if exists ${name}`).execute(db);
  },
};
