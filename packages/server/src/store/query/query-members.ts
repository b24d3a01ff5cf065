/**
 * QueryCallMembers in SQL: members of one call, filtered, sorted and paged. The caller checks the call exists and
 * that the actor may read it.
 *
 * @example
 * await queryMembers(db, dialect, 'default:abc', { filter_conditions: { role: 'admin' } }, { secret });
 */
import type { Kysely, Selectable } from 'kysely';
import { MEMBERS } from '../../domain/query/fields.js';
import { type PageRequest, planQuery } from '../../domain/query/page-request.js';
import type { Dialect } from '../database.js';
import type { CallMembersTable, Database } from '../schema.js';
import { type Page, type PreparedPage, preparePage, runPage } from './run-page.js';

export async function queryMembers(
  db: Kysely<Database>,
  dialect: Dialect,
  callCid: string,
  request: PageRequest,
  options: { secret: string },
): Promise<Page<Selectable<CallMembersTable>>> {
  return runPage(prepareMembersQuery(db, dialect, callCid, request, options));
}

/** The SQL `queryMembers` runs, without running it (for EXPLAIN in tests and the benchmark). */
export function prepareMembersQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  callCid: string,
  request: PageRequest,
  options: { secret: string },
): PreparedPage<Selectable<CallMembersTable>> {
  // The call is part of the cursor scope: a cursor from one call's member list is refused for another's.
  const plan = planQuery(MEMBERS, request, `members:${callCid}`, options.secret);
  const base = db.selectFrom('call_members').selectAll('call_members').where('call_members.call_cid', '=', callCid);
  return preparePage(base, plan, { dialect, table: 'call_members', secret: options.secret });
}
