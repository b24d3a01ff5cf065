/**
 * `column IN (…)` for a list of any length as ONE bound parameter: a PostgreSQL array (`= any($1)`) or, on SQLite,
 * a JSON array read with `json_each`. A batch loader's list grows with the page (a page's members' and
 * participants' user ids), so one parameter per value would run into the drivers' parameter limits and give every
 * page size its own SQL text; both engines still look each value up in the column's index.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Dialect } from './database.js';

export function inValueList(
  dialect: Dialect,
  column: RawBuilder<unknown>,
  values: readonly string[],
): RawBuilder<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`${column} = any(${[...values]})`
    : sql<SqlBool>`${column} in (select "value" from json_each(${JSON.stringify(values)}))`;
}
