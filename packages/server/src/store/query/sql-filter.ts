/**
 * Filter tree → SQL boolean expression (kysely raw builder) for one dialect. All operands are bound parameters;
 * identifiers come only from the field tables. Nothing is filtered in memory after the query.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { FilterNode, Scalar, Target } from '../../domain/query/filter-ast.js';
import type { Dialect } from '../database.js';
import { type JsonRef, jsonCompare, jsonExists, jsonKeyCount, jsonText, SQL_OPS, textMatch } from './sql-json.js';

export interface SqlContext {
  readonly dialect: Dialect;
  /** Table the filtered columns belong to (columns are qualified, since subqueries join other tables). */
  readonly table: 'calls' | 'call_members' | 'users';
}

type ColumnTarget = Extract<Target, { kind: 'column' }>;

/**
 * The SQL expression for a column. Nullable time columns read as `coalesce(col, '')`: '' sorts before every
 * time, which places nulls first ascending / last descending identically in both dialects, and lets one
 * expression index serve the filter, the sort and the keyset seek. The literal must stay inline (not a
 * parameter) for the planners to match it with the index expression.
 */
export function columnSql(table: string, column: string, nullSentinel: boolean): RawBuilder<unknown> {
  const ref = sql.ref(`${table}.${column}`);
  return nullSentinel ? sql`coalesce(${ref}, '')` : ref;
}

const usesSentinel = (t: ColumnTarget): boolean => t.nullable && t.type === 'date';

export function compileFilter(node: FilterNode, ctx: SqlContext): RawBuilder<SqlBool> {
  switch (node.kind) {
    case 'const':
      return node.value ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
    case 'and':
    case 'or': {
      const joiner = node.kind === 'and' ? ' and ' : ' or ';
      return sql<SqlBool>`(${sql.join(
        node.children.map((c) => compileFilter(c, ctx)),
        sql.raw(joiner),
      )})`;
    }
    case 'compare':
      if (node.target.kind === 'json') return jsonCompare(jsonRef(node.target, ctx), node.op, node.value);
      return columnCompare(node.target, node.op, node.value, ctx);
    case 'in':
      return compileIn(node.target, node.values, ctx);
    case 'exists':
      if (node.target.kind === 'json') return jsonExists(jsonRef(node.target, ctx), node.exists);
      return columnCompare(node.target, node.exists ? 'exists' : 'eq', null, ctx);
    case 'text':
      if (node.target.kind === 'json') return jsonText(jsonRef(node.target, ctx), node.mode, node.text);
      return textMatch(ctx.dialect, columnOf(node.target, ctx), node.mode, node.text);
    case 'json_key_count':
      return jsonKeyCount(ctx.dialect, sql.ref(`${ctx.table}.${node.column}`), node.count);
    case 'has_member':
      requireCalls(ctx);
      // IN (subquery) rather than EXISTS lets the planner start from the members' user_id index.
      return sql<SqlBool>`"calls"."cid" in (select "call_cid" from "call_members" where "user_id" in (${sql.join(node.userIds)}))`;
    case 'ongoing': {
      requireCalls(ctx);
      // Whether the current session runs, asked per call by a scalar subquery (a primary-key probe). Written as
      // a top-level EXISTS, PostgreSQL turns it into a join, misjudges how many calls it keeps (ongoing calls are
      // few) and reads every call that has a session (10,000 at a million calls) to sort them; a scalar subquery
      // stays a probe per row, so a page walks the sort index and stops after `limit` matches.
      const running = sql`coalesce((select 1 from "call_sessions" where "call_sessions"."id" = "calls"."current_session_id" and "call_sessions"."started_at" is not null and "call_sessions"."ended_at" is null), 0) = 1`;
      return node.value
        ? sql<SqlBool>`("calls"."current_session_id" is not null and ${running})`
        : sql<SqlBool>`("calls"."current_session_id" is null or not (${running}))`;
    }
  }
}

const columnOf = (t: ColumnTarget, ctx: SqlContext): RawBuilder<unknown> =>
  columnSql(ctx.table, t.column, usesSentinel(t));

const jsonRef = (t: Extract<Target, { kind: 'json' }>, ctx: SqlContext): JsonRef => ({
  dialect: ctx.dialect,
  column: sql.ref(`${ctx.table}.${t.column}`),
  path: t.path,
});

/** Booleans are stored as 0/1; null means "no value" ('' for sentinel columns). */
function sqlValue(t: ColumnTarget, value: Scalar): string | number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null && usesSentinel(t)) return '';
  return value as string | number | null;
}

function columnCompare(
  t: ColumnTarget,
  op: keyof typeof SQL_OPS | 'exists',
  value: Scalar,
  ctx: SqlContext,
): RawBuilder<SqlBool> {
  const column = columnOf(t, ctx);
  if (value === null && !usesSentinel(t)) return op === 'exists' ? sql`${column} is not null` : sql`${column} is null`;
  // exists on a sentinel column: a range (> '') rather than <> '' so the expression index can seek it.
  if (op === 'exists') return sql`${column} > ''`;
  const condition = sql<SqlBool>`${column} ${SQL_OPS[op]} ${sqlValue(t, value)}`;
  // Below a time, but not the '' that stands for null (MongoDB: a missing value is not less than anything).
  if (usesSentinel(t) && (op === 'lt' || op === 'lte')) return sql<SqlBool>`(${column} > '' and ${condition})`;
  return condition;
}

function compileIn(t: Target, values: readonly Scalar[], ctx: SqlContext): RawBuilder<SqlBool> {
  if (t.kind === 'json') {
    const ref = jsonRef(t, ctx);
    return sql<SqlBool>`(${sql.join(
      values.map((v) => jsonCompare(ref, 'eq', v)),
      sql.raw(' or '),
    )})`;
  }
  const mapped = values.map((v) => sqlValue(t, v));
  const present = mapped.filter((v) => v !== null);
  const column = columnOf(t, ctx);
  const inList = sql<SqlBool>`${column} in (${sql.join(present)})`;
  if (present.length === mapped.length) return inList;
  const isNull = sql<SqlBool>`${column} is null`;
  return present.length === 0 ? isNull : sql<SqlBool>`(${inList} or ${isNull})`;
}

function requireCalls(ctx: SqlContext): void {
  if (ctx.table !== 'calls') throw new Error(`members/ongoing filters only apply to calls, not ${ctx.table}`);
}
