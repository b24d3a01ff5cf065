/**
 * QueryCalls in SQL. Soft-deleted calls are never returned.
 *
 * @example
 * const request = { filter_conditions: { ongoing: true }, limit: 10 };
 * const page = await queryCalls(db, dialect, request, { secret });
 * const more = page.next && (await queryCalls(db, dialect, { ...request, next: page.next }, { secret }));
 */
import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import { CALLS } from '../../domain/query/fields.js';
import { type PageRequest, planQuery } from '../../domain/query/page-request.js';
import type { Dialect } from '../database.js';
import type { CallsTable, Database } from '../schema.js';
import { type Page, type PreparedPage, preparePage, runPage, type SortColumns } from './run-page.js';

export interface CallsQueryOptions {
  /** Key for the cursors' HMAC; the same on every node, or cursors fail across nodes. */
  secret: string;
  /**
   * A user token's user: only calls the user may read are returned — those of a type in `readableTypesForRole`
   * or those the user is a member of (any member role; call state such as a block list is not consulted here).
   * Omit for the server token (every call).
   */
  visibleToUserId?: string;
  /** Call types whose grants for the user's global role include `read-call` (computed by the caller). */
  readableTypesForRole?: readonly string[];
  /**
   * With `visibleToUserId`: leave out calls whose block list holds the user (a blocked user holds no capability
   * on the call, `read-call` included). Cheap: an empty block list is the string `[]`, checked before any parsing.
   */
  excludeBlocked?: boolean;
  /** A token restricted to some calls (`call_cids`) sees only those, whatever else it could read. */
  onlyCids?: readonly string[];
}

/**
 * One page of calls matching `request` (the QueryCalls body: `filter_conditions`, `sort`, `limit`, `next`,
 * `prev`; other fields ignored). Throws an input error (code 4) naming the field for any invalid part.
 */
export async function queryCalls(
  db: Kysely<Database>,
  dialect: Dialect,
  request: PageRequest,
  options: CallsQueryOptions,
): Promise<Page<Selectable<CallsTable>>> {
  return runPage(prepareCallsQuery(db, dialect, request, options));
}

/** The SQL `queryCalls` runs, without running it (for EXPLAIN in tests and the benchmark). */
export function prepareCallsQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  request: PageRequest,
  options: CallsQueryOptions,
): PreparedPage<Selectable<CallsTable>> {
  const plan = planQuery(CALLS, request, 'calls', options.secret);
  const userId = options.visibleToUserId;
  const memberOnly = userId !== undefined && (options.readableTypesForRole ?? []).length === 0;
  const byMembership = memberOnly && plan.sort.every((k) => k.column in MEMBER_SORT_COPIES);
  let base = byMembership
    ? db
        .selectFrom('call_members')
        .innerJoin('calls', 'calls.cid', 'call_members.call_cid')
        .selectAll('calls')
        .where('call_members.user_id', '=', userId)
        .where('calls.deleted_at', 'is', null)
    : db.selectFrom('calls').selectAll('calls').where('calls.deleted_at', 'is', null);
  if (userId !== undefined) {
    if (!byMembership) base = base.where(visibleTo(userId, options.readableTypesForRole ?? []));
    if (options.excludeBlocked) base = base.where(notBlocked(dialect, userId));
  }
  if (options.onlyCids !== undefined) {
    const cids = options.onlyCids;
    base = base.where(cids.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`"calls"."cid" in (${sql.join(cids)})`);
  }
  const sortColumns = byMembership ? memberSortColumns : undefined;
  return preparePage(base, plan, { dialect, table: 'calls', secret: options.secret, sortColumns });
}

/**
 * Sort keys of a call that its member rows hold a copy of (member-calls-migration.ts), indexed after the user id:
 * a member-only page sorted by them walks the index `call_members_q_user_created` (member-calls-migration.ts) in order and reads only the calls it returns.
 * The member row is unique per (call, user), so the join yields each call once.
 */
const MEMBER_SORT_COPIES: Readonly<Record<string, string>> = {
  created_at: 'call_created_at',
  cid: 'call_cid',
};

const memberSortColumns: SortColumns = (key) => sql.ref(`call_members.${MEMBER_SORT_COPIES[key.column]}`);

function notBlocked(dialect: Dialect, userId: string) {
  const list = sql.ref('calls.blocked_user_ids');
  const listed =
    dialect === 'sqlite'
      ? sql`exists (select 1 from json_each(${list}) where "value" = ${userId})`
      : sql`cast(${list} as jsonb) @> jsonb_build_array(cast(${userId} as text))`;
  return sql<SqlBool>`(${list} = '[]' or not ${listed})`;
}

function visibleTo(userId: string, readableTypes: readonly string[]) {
  const member = sql<SqlBool>`"calls"."cid" in (select "call_cid" from "call_members" where "user_id" = ${userId})`;
  if (readableTypes.length === 0) return member;
  return sql<SqlBool>`("calls"."type" in (${sql.join(readableTypes)}) or ${member})`;
}
