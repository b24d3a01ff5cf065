/**
 * `filter_conditions` → typed filter tree, checked against a resource's field table (fields.ts). Every rejection
 * is an input error (code 4) whose field is the path of the offending part, e.g. `filter_conditions.$or[1].starts_at`.
 *
 * Semantics — MongoDB's wherever it has them (the differential test checks them against mingo):
 * - `{ f: v }` is `{ f: { $eq: v } }`; several operators on a field, and several fields, are ANDed; `$and` / `$or`
 *   take non-empty arrays of filter objects. `$in: []` matches nothing.
 * - Nullable fields (`team`, `starts_at`, `ended_at`, users' `name`): `$eq: null`, `$in: [null]` and
 *   `$exists: false` match "no value"; range operators never match a missing value.
 * - `custom.<key>` (1–4 dot-separated segments) compares by JSON type: a number operand matches only numbers, a
 *   string only strings, a boolean only booleans (`$eq` / `$in`). `$eq: null` matches a JSON null or a missing
 *   key; `$exists` tests presence (a null value exists). Unlike MongoDB, arrays are not searched element-wise:
 *   an array or object value never equals a scalar.
 * - Members' `custom` as a whole: equal to an object of scalars — the same keys, equal values, any key order.
 * - `$q`: the value contains the needle. `$autocomplete`: the trimmed needle starts the value or a word of it
 *   (a word starts after a space). Both ignore case for ASCII letters only; other characters match exactly.
 * - calls `members`: `$in` = has a member with one of these user ids; `$eq` = has this member.
 * - calls `ongoing`: `current_session_id` is set and that session has `started_at` and no `ended_at` (a call that
 *   rang but was never joined is not ongoing).
 * - Date-times: RFC 3339 with any offset and up to 9 fractional digits, normalised to the stored millisecond
 *   form; sub-millisecond digits tighten the bound exactly instead of rounding it.
 *
 * @example
 * parseFilter(CALLS, { backstage: false, starts_at: { $gt: '2030-01-01T00:00:00Z' } })
 */

import { CUSTOM_KEY_OPS, CUSTOM_SEGMENT, type FieldSpec, MAX_CUSTOM_PATH, type ResourceSpec } from './fields.js';
import { allOf, anyOf, type FilterNode, type Operator, type Target, TRUE } from './filter-ast.js';
import { buildCondition } from './filter-conditions.js';
import { describe, fail, isPlainObject } from './filter-values.js';

/**
 * Bounds on filter size. They stop a single request from producing SQL the planner chokes on (deep OR trees,
 * thousands of parameters): a cheap request must not buy an expensive query.
 *
 * `maxConditions` is a budget on every SQL condition the filter generates, charged before it is built: one per
 * operator, one per `$in` value, one plus one per key for whole-object equality (a key compared with null costs
 * two), one per `$and` / `$or` element. It also bounds the work SQLite does per query, which has no statement
 * timeout. `maxChars` caps the filter's JSON text, so an oversized filter is refused before it is walked.
 */
export const FILTER_LIMITS = { maxDepth: 4, maxConditions: 200, maxIn: 100, maxChars: 100_000 } as const;

const OPERATORS: ReadonlySet<string> = new Set<Operator>([
  '$eq',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$exists',
  '$q',
  '$autocomplete',
]);

export function parseFilter(resource: ResourceSpec, input: unknown, path = 'filter_conditions'): FilterNode {
  if (input === undefined || input === null) return TRUE;
  const chars = JSON.stringify(input)?.length ?? 0;
  if (chars > FILTER_LIMITS.maxChars) {
    fail(path, `a filter may be at most ${FILTER_LIMITS.maxChars} characters of JSON, got ${chars}`);
  }
  return parseGroup(resource, input, path, 0, new ConditionBudget(FILTER_LIMITS.maxConditions));
}

/** The conditions a filter may still generate; `charge` refuses, naming the field, once they run out. */
export class ConditionBudget {
  private used = 0;

  constructor(readonly max: number) {}

  charge(count: number, at: string): void {
    this.used += count;
    if (this.used > this.max) {
      fail(
        at,
        `a filter may generate at most ${this.max} conditions (each operator, $in value, $and/$or element and key of an object compared whole counts one)`,
      );
    }
  }
}

type Budget = ConditionBudget;

function parseGroup(resource: ResourceSpec, input: unknown, at: string, depth: number, budget: Budget): FilterNode {
  if (!isPlainObject(input)) fail(at, `must be an object, got ${describe(input)}`);
  const parts: FilterNode[] = [];
  for (const [key, value] of Object.entries(input)) {
    const keyAt = `${at}.${key}`;
    if (key === '$and' || key === '$or') {
      parts.push(parseLogical(resource, key, value, keyAt, depth + 1, budget));
    } else if (key.startsWith('$')) {
      fail(keyAt, `unknown operator ${key} (only $and and $or may stand in place of a field)`);
    } else {
      parts.push(parseField(resource, key, value, keyAt, budget));
    }
  }
  return allOf(parts);
}

function parseLogical(
  resource: ResourceSpec,
  op: '$and' | '$or',
  value: unknown,
  at: string,
  depth: number,
  budget: Budget,
): FilterNode {
  if (!Array.isArray(value)) fail(at, `${op} needs an array of filter objects, got ${describe(value)}`);
  if (value.length === 0) fail(at, `${op} needs at least one filter object`);
  if (depth > FILTER_LIMITS.maxDepth) fail(at, `filters may nest $and/$or at most ${FILTER_LIMITS.maxDepth} deep`);
  budget.charge(value.length, at);
  const children = value.map((child, i) => parseGroup(resource, child, `${at}[${i}]`, depth, budget));
  return op === '$and' ? allOf(children) : anyOf(children);
}

function parseField(resource: ResourceSpec, name: string, value: unknown, at: string, budget: Budget): FilterNode {
  const { spec, target } = resolveField(resource, name, at);
  const conditions = conditionsOf(spec, value, at);
  const parts = conditions.map(([op, operand]) => {
    if (!OPERATORS.has(op)) fail(at, `unknown operator ${op}`);
    if (!spec.ops.includes(op as Operator)) {
      fail(at, `operator ${op} is not allowed on field "${name}" (allowed: ${spec.ops.join(', ')})`);
    }
    budget.charge(conditionCost(spec, target, op, operand), at);
    return buildCondition(spec, target, op as Operator, operand, at, FILTER_LIMITS.maxIn);
  });
  return allOf(parts);
}

/**
 * What one `field: { op: operand }` will generate, counted from the raw operand without walking it: `$in` one per
 * value (its length is capped separately), whole-object equality one for the key count plus one per key, and one
 * more per key compared with null (an existence test). Malformed operands cost one and fail in buildCondition.
 */
function conditionCost(spec: FieldSpec, target: Target | undefined, op: string, operand: unknown): number {
  if (op === '$in' && Array.isArray(operand)) return Math.max(1, operand.length);
  if (spec.type === 'json' && target?.kind === 'json' && target.path.length === 0 && isPlainObject(operand)) {
    let cost = 1;
    for (const value of Object.values(operand)) cost += value === null ? 2 : 1;
    return cost;
  }
  return 1;
}

/** `{ $gt: 1, $lt: 5 }` → two conditions; anything else is the bare `$eq` form. */
function conditionsOf(spec: FieldSpec, value: unknown, at: string): [string, unknown][] {
  if (!isPlainObject(value)) return [['$eq', value]];
  const keys = Object.keys(value);
  const operators = keys.filter((k) => k.startsWith('$'));
  if (operators.length === 0 && spec.type === 'json') return [['$eq', value]]; // whole-object equality
  if (keys.length === 0) fail(at, 'needs a value or at least one operator');
  if (operators.length !== keys.length) {
    fail(at, `mixes operators with plain keys (${keys.filter((k) => !k.startsWith('$')).join(', ')})`);
  }
  return keys.map((k) => [k, value[k]]);
}

function resolveField(
  resource: ResourceSpec,
  name: string,
  at: string,
): { spec: FieldSpec; target: Target | undefined } {
  const spec = Object.hasOwn(resource.fields, name) ? resource.fields[name] : undefined;
  if (spec) return { spec, target: targetOf(spec) };
  const prefix = `${resource.customColumn}.`;
  if (name.startsWith(prefix)) {
    const path = name.slice(prefix.length).split('.');
    if (path.length > MAX_CUSTOM_PATH || !path.every((s) => CUSTOM_SEGMENT.test(s))) {
      fail(at, `custom keys are 1–${MAX_CUSTOM_PATH} dot-separated segments of A-Z a-z 0-9 _ - (64 chars each)`);
    }
    const spec: FieldSpec = { type: 'json', column: resource.customColumn, ops: CUSTOM_KEY_OPS };
    return { spec, target: { kind: 'json', column: resource.customColumn, path } };
  }
  const known = [...Object.keys(resource.fields), `${prefix}<key>`].join(', ');
  return fail(at, `unknown field "${name}" for ${resource.name} (known: ${known})`);
}

function targetOf(spec: FieldSpec): Target | undefined {
  if (!spec.column) return undefined;
  if (spec.type === 'json') return { kind: 'json', column: spec.column, path: [] };
  if (spec.type === 'string' || spec.type === 'date' || spec.type === 'boolean') {
    return { kind: 'column', column: spec.column, type: spec.type, nullable: spec.nullable ?? false };
  }
  return undefined;
}
