/**
 * Executes a query plan on a base select (table, scope, visibility already applied): filter, keyset seek, order,
 * limit + 1 to learn whether another page exists, and cursors for both directions.
 */
import type { RawBuilder, SelectQueryBuilder } from 'kysely';
import { encodeCursor } from '../../domain/query/cursor.js';
import type { QueryPlan } from '../../domain/query/page-request.js';
import type { SortKey } from '../../domain/query/sort.js';
import { compileFilter, type SqlContext } from './sql-filter.js';
import { keysetAfter, positionOf, scanDirection, sortSql } from './sql-keyset.js';

export interface Page<Row> {
  /** Rows in the requested order, at most `limit`. */
  rows: Row[];
  /** Cursor for the rows after the last one; absent on the last page. */
  next?: string;
  /** Cursor for the rows before the first one; absent on the first page. */
  prev?: string;
}

/** A page query ready to run: `query` is plain kysely (tests compile it for EXPLAIN), `toPage` shapes its rows. */
export interface PreparedPage<Row> {
  // biome-ignore lint/suspicious/noExplicitAny: shared by three tables; the row type is what matters to callers.
  readonly query: SelectQueryBuilder<any, any, Row>;
  toPage(fetched: Row[]): Page<Row>;
}

export const runPage = async <Row>(prepared: PreparedPage<Row>): Promise<Page<Row>> =>
  prepared.toPage(await prepared.query.execute());

/**
 * Where the ORDER BY and the keyset seek read each sort key, when not from the queried table: a base that joins
 * another table holding equal copies of the keys in an index of its own (query-calls.ts, member-only visibility)
 * orders by those copies, so the database walks that index and stops after one page.
 */
export type SortColumns = (key: SortKey) => RawBuilder<unknown>;

export function preparePage<Row extends object>(
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  base: SelectQueryBuilder<any, any, Row>,
  plan: QueryPlan,
  ctx: SqlContext & { secret: string; offset?: number; sortColumns?: SortColumns },
): PreparedPage<Row> {
  let query = base;
  if (!(plan.filter.kind === 'const' && plan.filter.value)) query = query.where(compileFilter(plan.filter, ctx));
  const backwards = plan.cursor?.direction === 'prev';
  const seek = ctx.sortColumns ?? ((key: SortKey) => sortSql(ctx.table, key));
  if (plan.cursor) {
    query = query.where(keysetAfter(ctx.dialect, ctx.table, plan.sort, plan.cursor.values, backwards, seek));
  }
  for (const key of plan.sort) query = query.orderBy(seek(key), scanDirection(key, backwards));
  query = query.limit(plan.limit + 1);
  if (ctx.offset) query = query.offset(ctx.offset);
  return { query, toPage: (fetched) => toPage(fetched, plan, ctx, backwards) };
}

function toPage<Row>(
  fetched: Row[],
  plan: QueryPlan,
  ctx: { secret: string; offset?: number },
  backwards: boolean,
): Page<Row> {
  const more = fetched.length > plan.limit;
  const rows = fetched.slice(0, plan.limit);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const cursor = (direction: 'next' | 'prev', row: Row): string =>
    encodeCursor(ctx.secret, { ...plan.binding, direction }, positionOf(row as Record<string, unknown>, plan.sort));

  const page: Page<Row> = { rows };
  // Moving forward, more rows ahead is known from the extra row; rows behind exist if we arrived by a cursor or
  // skipped some by offset. Moving backwards it is the mirror image.
  const aheadExists = backwards ? plan.cursor !== undefined : more;
  const behindExists = backwards ? more : plan.cursor !== undefined || (ctx.offset ?? 0) > 0;
  if (last && aheadExists) page.next = cursor('next', last);
  if (first && behindExists) page.prev = cursor('prev', first);
  return page;
}
