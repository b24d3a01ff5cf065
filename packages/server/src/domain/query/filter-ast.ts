/**
 * The typed filter tree that `parseFilter` produces and the store compiles to SQL. Every value in it is already
 * validated and normalised (dates in the stored fixed-width format, `$q`/`$autocomplete` needles lower-cased), so
 * compilers never re-check input.
 */

/** A filter operand: what a field may be compared with. `null` only where the field can hold null. */
export type Scalar = string | number | boolean | null;

/** How a field is stored, which decides both the accepted values and the SQL the compiler writes. */
export type FieldType =
  /** Text column (ids, roles, names); compared byte-wise. */
  | 'string'
  /** Timestamp text column in the fixed-width RFC 3339 format; values are normalised to it. */
  | 'date'
  /** 0/1 integer column; values are JSON booleans. */
  | 'boolean'
  /** A JSON object column (`custom`); addressed by key path (`custom.<key>`) or as a whole. */
  | 'json'
  /** calls only: the user ids of the call's members. */
  | 'members'
  /** calls only: whether the call's current session is running. */
  | 'ongoing';

export type Operator = '$eq' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$exists' | '$q' | '$autocomplete';

export type Comparison = 'eq' | 'gt' | 'gte' | 'lt' | 'lte';

/** What a condition reads: a plain column, or a key path inside a JSON column. */
export type Target =
  | { kind: 'column'; column: string; type: 'string' | 'date' | 'boolean'; nullable: boolean }
  | { kind: 'json'; column: string; path: readonly string[] };

export type FilterNode =
  | { kind: 'and' | 'or'; children: readonly FilterNode[] }
  /** Always true (empty filter) or always false (e.g. `$in: []`, or `$eq` a time with sub-millisecond digits). */
  | { kind: 'const'; value: boolean }
  | { kind: 'compare'; target: Target; op: Comparison; value: Scalar }
  | { kind: 'in'; target: Target; values: readonly Scalar[] }
  | { kind: 'exists'; target: Target; exists: boolean }
  /** `$q` = substring, `$autocomplete` = word prefix; `text` is lower-cased (ASCII) and non-empty. */
  | { kind: 'text'; target: Target; mode: 'q' | 'autocomplete'; text: string }
  /** The JSON object at `column` has exactly `count` keys (whole-object equality is this plus per-key `compare`). */
  | { kind: 'json_key_count'; column: string; count: number }
  /** calls: has a member whose user id is one of `userIds`. */
  | { kind: 'has_member'; userIds: readonly string[] }
  /** calls: the current session has started and not ended (or the negation). */
  | { kind: 'ongoing'; value: boolean };

export const TRUE: FilterNode = { kind: 'const', value: true };
export const FALSE: FilterNode = { kind: 'const', value: false };

/** AND of parts, flattened; constants folded so the SQL stays minimal. */
export function allOf(parts: readonly FilterNode[]): FilterNode {
  const kept: FilterNode[] = [];
  for (const p of parts) {
    if (p.kind === 'const' && p.value) continue;
    if (p.kind === 'const') return p;
    if (p.kind === 'and') kept.push(...p.children);
    else kept.push(p);
  }
  if (kept.length === 0) return TRUE;
  return kept.length === 1 ? kept[0]! : { kind: 'and', children: kept };
}

/** OR of parts, with constants folded. */
export function anyOf(parts: readonly FilterNode[]): FilterNode {
  const kept: FilterNode[] = [];
  for (const p of parts) {
    if (p.kind === 'const' && !p.value) continue;
    if (p.kind === 'const') return p;
    if (p.kind === 'or') kept.push(...p.children);
    else kept.push(p);
  }
  if (kept.length === 0) return FALSE;
  return kept.length === 1 ? kept[0]! : { kind: 'or', children: kept };
}
