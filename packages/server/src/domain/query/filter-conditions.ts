/**
 * One `field: { $op: operand }` → a filter node, with the operand checked against the field's type. The semantics
 * are listed in parse-filter.ts.
 */

import { CUSTOM_SEGMENT, type FieldSpec } from './fields.js';
import {
  allOf,
  type Comparison,
  FALSE,
  type FilterNode,
  type Operator,
  type Scalar,
  type Target,
} from './filter-ast.js';
import {
  booleanValue,
  dateValue,
  describe,
  fail,
  isPlainObject,
  jsonScalar,
  stringValue,
  textNeedle,
} from './filter-values.js';

const COMPARISONS: Partial<Record<Operator, Comparison>> = {
  $eq: 'eq',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};

export function buildCondition(
  spec: FieldSpec,
  target: Target | undefined,
  op: Operator,
  operand: unknown,
  at: string,
  maxIn: number,
): FilterNode {
  if (spec.type === 'members') return hasMember(op, operand, at, maxIn);
  if (spec.type === 'ongoing') return { kind: 'ongoing', value: booleanValue(operand, at, op) };
  if (!target) return fail(at, `field cannot be filtered with ${op}`);
  if (target.kind === 'json' && target.path.length === 0) return wholeObjectEquals(target.column, operand, at);
  if (op === '$exists') return { kind: 'exists', target, exists: booleanValue(operand, at, op) };
  if (op === '$q' || op === '$autocomplete') {
    return { kind: 'text', target, mode: op === '$q' ? 'q' : 'autocomplete', text: textNeedle(operand, at, op) };
  }
  if (op === '$in') {
    const values = inList(operand, at, maxIn).map((v, i) => operandOf(target, '$eq', v, `${at}[${i}]`));
    const exact = values.filter((v) => !v.subMillisecond).map((v) => v.value);
    return exact.length === 0 ? FALSE : { kind: 'in', target, values: exact };
  }
  const cmp = COMPARISONS[op];
  if (!cmp) return fail(at, `unknown operator ${op}`);
  const { value, subMillisecond } = operandOf(target, op, operand, at);
  if (!subMillisecond) return { kind: 'compare', target, op: cmp, value };
  // Stored times are whole milliseconds: t >= 12.0005 ⇔ t > 12.000, t < 12.0005 ⇔ t <= 12.000, and never t = 12.0005.
  if (cmp === 'eq') return FALSE;
  return { kind: 'compare', target, op: cmp === 'gte' ? 'gt' : cmp === 'lt' ? 'lte' : cmp, value };
}

function operandOf(
  target: Target,
  op: Operator,
  operand: unknown,
  at: string,
): { value: Scalar; subMillisecond?: boolean } {
  // null: "has no value" for nullable columns ($eq/$in only; a range against null matches nothing in MongoDB).
  const nullOk = op === '$eq' && (target.kind === 'json' || target.nullable);
  if (operand === null && nullOk) return { value: null };
  if (target.kind === 'json') {
    const value = jsonScalar(operand, at, op, op === '$eq');
    if (typeof value === 'boolean' && op !== '$eq') fail(at, `${op} needs a string or number, got ${describe(value)}`);
    return { value };
  }
  if (target.type === 'boolean') return { value: booleanValue(operand, at, op) };
  if (target.type === 'date') {
    const { iso, subMillisecond } = dateValue(operand, at, op);
    return { value: iso, subMillisecond };
  }
  return { value: stringValue(operand, at, op) };
}

function inList(operand: unknown, at: string, maxIn: number): unknown[] {
  if (!Array.isArray(operand)) fail(at, `$in needs an array, got ${describe(operand)}`);
  if (operand.length > maxIn) fail(at, `$in accepts at most ${maxIn} values, got ${operand.length}`);
  return operand;
}

function hasMember(op: Operator, operand: unknown, at: string, maxIn: number): FilterNode {
  const ids = op === '$in' ? inList(operand, at, maxIn) : [operand];
  const userIds = ids.map((id, i) => stringValue(id, op === '$in' ? `${at}[${i}]` : at, op));
  return userIds.length === 0 ? FALSE : { kind: 'has_member', userIds };
}

/**
 * `custom: { a: 1, b: 'x' }`: the object has exactly these keys with these scalar values, in any key order (as
 * MongoDB's embedded-document equality in mingo). A key given as null must be present with a null value.
 */
function wholeObjectEquals(column: string, operand: unknown, at: string): FilterNode {
  if (!isPlainObject(operand)) fail(at, `$eq needs an object, got ${describe(operand)}`);
  const parts: FilterNode[] = [{ kind: 'json_key_count', column, count: Object.keys(operand).length }];
  for (const [key, raw] of Object.entries(operand)) {
    if (!CUSTOM_SEGMENT.test(key)) fail(`${at}.${key}`, 'custom keys are 1–64 characters of A-Z a-z 0-9 _ -');
    const target: Target = { kind: 'json', column, path: [key] };
    const value = jsonScalar(raw, `${at}.${key}`, '$eq', true);
    if (value === null) parts.push({ kind: 'exists', target, exists: true });
    parts.push({ kind: 'compare', target, op: 'eq', value });
  }
  return allOf(parts);
}
