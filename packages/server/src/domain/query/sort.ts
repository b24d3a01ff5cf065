/**
 * `sort: [{ field, direction }]` → the full ordering a query uses: the requested keys (or the resource's default)
 * plus a unique tie-break key, so every row has exactly one position and keyset paging never skips or repeats.
 */
import type { ResourceSpec } from './fields.js';
import { describe, fail, isPlainObject } from './filter-values.js';

export const MAX_SORT_KEYS = 5;

export interface SortKey {
  readonly field: string;
  readonly column: string;
  /** Nulls order as the smallest value: first ascending, last descending (as MongoDB orders missing fields). */
  readonly nullable: boolean;
  readonly direction: 1 | -1;
}

export function parseSort(resource: ResourceSpec, input: unknown, at = 'sort'): SortKey[] {
  const requested = input === undefined || input === null ? [] : requestedKeys(resource, input, at);
  const keys =
    requested.length > 0 ? requested : resource.defaultSort.map((k) => keyOf(resource, k.field, k.direction));
  const unique = keys.findIndex((k) => k.field === resource.tieBreak);
  // Keys after a unique one cannot change the order; dropping them keeps cursors and SQL short.
  if (unique >= 0) return keys.slice(0, unique + 1);
  // The tie-break follows the last key's direction so one index (key, tie-break) serves both scan directions.
  return [...keys, keyOf(resource, resource.tieBreak, keys[keys.length - 1]!.direction)];
}

/** Identifies an ordering; bound into cursors so a cursor is only accepted for the sort that issued it. */
export const sortSignature = (keys: readonly SortKey[]): string =>
  keys.map((k) => `${k.field}:${k.direction}`).join(',');

function requestedKeys(resource: ResourceSpec, input: unknown, at: string): SortKey[] {
  if (!Array.isArray(input)) fail(at, `must be an array of { field, direction }, got ${describe(input)}`);
  if (input.length > MAX_SORT_KEYS) fail(at, `accepts at most ${MAX_SORT_KEYS} keys, got ${input.length}`);
  const seen = new Set<string>();
  return input.map((entry, i) => {
    const entryAt = `${at}[${i}]`;
    if (!isPlainObject(entry)) fail(entryAt, `must be an object { field, direction }, got ${describe(entry)}`);
    const { field, direction = 1 } = entry;
    if (typeof field !== 'string' || !Object.hasOwn(resource.sortFields, field)) {
      const known = Object.keys(resource.sortFields).join(', ');
      fail(`${entryAt}.field`, `cannot sort ${resource.name} by ${describe(field)} (sortable: ${known})`);
    }
    if (direction !== 1 && direction !== -1) {
      fail(`${entryAt}.direction`, `must be 1 (ascending) or -1 (descending), got ${describe(direction)}`);
    }
    if (seen.has(field)) fail(`${entryAt}.field`, `"${field}" appears twice`);
    seen.add(field);
    return keyOf(resource, field, direction);
  });
}

function keyOf(resource: ResourceSpec, field: string, direction: 1 | -1): SortKey {
  const spec = resource.sortFields[field];
  if (!spec) throw new Error(`sort field ${field} missing from the ${resource.name} table`);
  return { field, column: spec.column, nullable: spec.nullable, direction };
}
