/**
 * SQL for conditions on a key path inside a JSON text column, per dialect. Each comparison first checks the JSON
 * type of the value, so `custom.n > 5` never matches a string or a boolean (SQLite's json_extract would turn true
 * into 1) — the type bracketing MongoDB applies. Arrays and objects never match a scalar comparison.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Comparison, Scalar } from '../../domain/query/filter-ast.js';
import type { Dialect } from '../database.js';

export const SQL_OPS: Record<Comparison, RawBuilder<unknown>> = {
  eq: sql.raw('='),
  gt: sql.raw('>'),
  gte: sql.raw('>='),
  lt: sql.raw('<'),
  lte: sql.raw('<='),
};

export interface JsonRef {
  readonly dialect: Dialect;
  /** Qualified column reference, e.g. "calls"."custom". */
  readonly column: RawBuilder<unknown>;
  readonly path: readonly string[];
}

// Path segments are validated to [A-Za-z0-9_-] by the parser; they are still passed as parameters.
const sqlitePath = (path: readonly string[]): string => `$${path.map((s) => `."${s}"`).join('')}`;

/** The JSON type name: SQLite 'text' | 'integer' | 'real' | 'true' | 'false' | 'null' | …; PostgreSQL jsonb_typeof. */
function typeOf(ref: JsonRef): RawBuilder<string | null> {
  return ref.dialect === 'sqlite'
    ? sql`json_type(${ref.column}, ${sqlitePath(ref.path)})`
    : sql`jsonb_typeof(${jsonbOf(ref)})`;
}

const jsonbOf = (ref: JsonRef): RawBuilder<unknown> =>
  sql`(cast(${ref.column} as jsonb) #> cast(${ref.path} as text[]))`;

/**
 * The value as an SQL scalar: SQLite json_extract (text, integer, real); PostgreSQL the text form, byte-wise
 * collated as SQLite compares. Only meaningful after checking the JSON type.
 */
function scalarOf(ref: JsonRef): RawBuilder<string | null> {
  return ref.dialect === 'sqlite'
    ? sql`json_extract(${ref.column}, ${sqlitePath(ref.path)})`
    : sql`((cast(${ref.column} as jsonb) #>> cast(${ref.path} as text[])) collate "C")`;
}

export function jsonExists(ref: JsonRef, exists: boolean): RawBuilder<SqlBool> {
  return exists ? sql`${typeOf(ref)} is not null` : sql`${typeOf(ref)} is null`;
}

export function jsonCompare(ref: JsonRef, op: Comparison, value: Scalar): RawBuilder<SqlBool> {
  const sqlite = ref.dialect === 'sqlite';
  if (value === null) return sql`coalesce(${typeOf(ref)}, 'null') = 'null'`; // null or missing, as MongoDB
  if (typeof value === 'boolean') {
    return sqlite ? sql`${typeOf(ref)} = ${String(value)}` : sql`${jsonbOf(ref)} = cast(${String(value)} as jsonb)`;
  }
  if (typeof value === 'string') {
    return sql`(${typeOf(ref)} = ${sqlite ? 'text' : 'string'} and ${scalarOf(ref)} ${SQL_OPS[op]} ${value})`;
  }
  if (sqlite) {
    return sql`(${typeOf(ref)} in ('integer', 'real') and ${scalarOf(ref)} ${SQL_OPS[op]} ${value})`;
  }
  // jsonb compares numbers numerically and never fails on other types, unlike a ::numeric cast.
  return sql`(${typeOf(ref)} = 'number' and ${jsonbOf(ref)} ${SQL_OPS[op]} cast(${JSON.stringify(value)} as jsonb))`;
}

/** `$q` (substring) / `$autocomplete` (word prefix) on a JSON string; `needle` is already lower-case. */
export function jsonText(ref: JsonRef, mode: 'q' | 'autocomplete', needle: string): RawBuilder<SqlBool> {
  const isText = sql`${typeOf(ref)} = ${ref.dialect === 'sqlite' ? 'text' : 'string'}`;
  return sql`(${isText} and ${textMatch(ref.dialect, scalarOf(ref), mode, needle)})`;
}

/**
 * `$q`: the lower-cased value contains the needle. `$autocomplete`: the needle starts the value or starts right
 * after a space (" " + value contains " " + needle). lower() folds ASCII only in both dialects (SQLite without
 * ICU; PostgreSQL under collation "C"), which is the documented semantics.
 */
export function textMatch(
  dialect: Dialect,
  text: RawBuilder<unknown>,
  mode: 'q' | 'autocomplete',
  needle: string,
): RawBuilder<SqlBool> {
  const find = dialect === 'sqlite' ? sql.raw('instr') : sql.raw('strpos');
  const haystack = mode === 'q' ? sql`lower(${text})` : sql`(' ' || lower(${text}))`;
  return sql`${find}(${haystack}, ${mode === 'q' ? needle : ` ${needle}`}) > 0`;
}

export function jsonKeyCount(dialect: Dialect, column: RawBuilder<unknown>, count: number): RawBuilder<SqlBool> {
  return dialect === 'sqlite'
    ? sql`(select count(*) from json_each(${column})) = ${count}`
    : sql`(select count(*) from jsonb_object_keys(cast(${column} as jsonb))) = ${count}`;
}
