/**
 * QueryUsers in SQL. Deleted users are not returned. The wire request pages with `offset` (bounded, since OFFSET
 * costs a scan of the skipped rows); `next` / `prev` keyset cursors work as for calls and are the better choice.
 *
 * @example
 * await queryUsers(db, dialect, { filter_conditions: { name: { $autocomplete: 'ali' } }, limit: 10 }, { secret });
 */
import type { Kysely, Selectable } from 'kysely';
import { USERS } from '../../domain/query/fields.js';
import { describe, fail } from '../../domain/query/filter-values.js';
import { type PageRequest, planQuery } from '../../domain/query/page-request.js';
import type { Dialect } from '../database.js';
import type { Database, UsersTable } from '../schema.js';
import { type Page, type PreparedPage, preparePage, runPage } from './run-page.js';

export const MAX_USERS_OFFSET = 10_000;

export async function queryUsers(
  db: Kysely<Database>,
  dialect: Dialect,
  request: PageRequest & { offset?: unknown },
  options: { secret: string },
): Promise<Page<Selectable<UsersTable>>> {
  return runPage(prepareUsersQuery(db, dialect, request, options));
}

/** The SQL `queryUsers` runs, without running it (for EXPLAIN in tests and the benchmark). */
export function prepareUsersQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  request: PageRequest & { offset?: unknown },
  options: { secret: string },
): PreparedPage<Selectable<UsersTable>> {
  const plan = planQuery(USERS, request, 'users', options.secret);
  const offset = parseOffset(request.offset);
  if (offset > 0 && plan.cursor) fail('offset', `cannot be combined with ${plan.cursor.direction}`);
  const base = db.selectFrom('users').selectAll('users').where('users.deleted_at', 'is', null);
  return preparePage(base, plan, { dialect, table: 'users', secret: options.secret, offset });
}

function parseOffset(input: unknown): number {
  if (input === undefined || input === null) return 0;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input > MAX_USERS_OFFSET) {
    fail('offset', `must be an integer from 0 to ${MAX_USERS_OFFSET}, got ${describe(input)}`);
  }
  return input;
}
