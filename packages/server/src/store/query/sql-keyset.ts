/**
 * Ordering and keyset ("seek") pagination. A page continues strictly after (or, for `prev`, strictly before) the
 * sort position of a boundary row, so pages stay stable when rows are inserted or deleted between requests and a
 * deep page costs the same as the first (no OFFSET scan).
 *
 *   sort (k1 desc, k2 desc), cursor (v1, v2), next  →  where (k1, k2) < (v1, v2) order by k1 desc, k2 desc
 *   same, prev                                      →  where (k1, k2) > (v1, v2) order by k1 asc,  k2 asc  (then reversed)
 *
 * Row values are used when every key runs the same way (the default sorts, and anything the tie-break follows);
 * otherwise (mixed directions, or a nullable key on SQLite) it expands to
 *   k1 >= v1 and ((k1 > v1) or (k1 = v1 and k2 < v2) or …)      (the redundant leading bound is what seeks)
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { SortKey } from '../../domain/query/sort.js';
import type { Dialect } from '../database.js';
import { columnSql } from './sql-filter.js';

/** A sort key as the SQL expression it orders by (nullable keys through the '' sentinel, see columnSql). */
export const sortSql = (table: string, key: SortKey): RawBuilder<unknown> => columnSql(table, key.column, key.nullable);

/** Direction of each key in the scan; a `prev` page scans the reverse order, nearest rows first. */
export const scanDirection = (key: SortKey, backwards: boolean): 'asc' | 'desc' =>
  (key.direction === 1) !== backwards ? 'asc' : 'desc';

/** The boundary values a cursor stores for a row: its sort keys, nulls as the '' sentinel. */
export function positionOf(row: Record<string, unknown>, keys: readonly SortKey[]): string[] {
  return keys.map((k) => {
    const value = row[k.column];
    return value === null || value === undefined ? '' : String(value);
  });
}

export function keysetAfter(
  dialect: Dialect,
  table: string,
  keys: readonly SortKey[],
  values: readonly string[],
  backwards: boolean,
  /** The expression each key seeks on; by default its column in `table` (see SortColumns in run-page.ts). */
  seekSql: (key: SortKey) => RawBuilder<unknown> = (k) => sortSql(table, k),
): RawBuilder<SqlBool> {
  const exprs = keys.map(seekSql);
  const ops = keys.map((k) => (scanDirection(k, backwards) === 'asc' ? '>' : '<'));
  // SQLite seeks row values on plain columns only, not on an expression index (coalesce); there the expanded form's
  // leading bound is what seeks.
  const rowValueSeeks = dialect === 'postgres' || !keys.some((k) => k.nullable);
  if (rowValueSeeks && ops.every((op) => op === ops[0])) {
    return sql<SqlBool>`(${sql.join(exprs)}) ${sql.raw(ops[0]!)} (${sql.join(values)})`;
  }
  const alternatives = keys.map((_, i) => {
    const equalPrefix = exprs.slice(0, i).map((e, j) => sql`${e} = ${values[j]}`);
    return sql`(${sql.join([...equalPrefix, sql`${exprs[i]} ${sql.raw(ops[i]!)} ${values[i]}`], sql.raw(' and '))})`;
  });
  const seek = sql`${exprs[0]} ${sql.raw(`${ops[0]}=`)} ${values[0]}`;
  return sql<SqlBool>`(${seek} and (${sql.join(alternatives, sql.raw(' or '))}))`;
}
