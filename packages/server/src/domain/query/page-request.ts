/**
 * A whole query request (filter, sort, limit, cursor) validated into the plan the store executes. Pure: the store
 * layer turns the plan into SQL and the result rows back into cursors.
 */

import { type CursorBinding, type CursorDirection, decodeCursor } from './cursor.js';
import type { ResourceSpec } from './fields.js';
import type { FilterNode } from './filter-ast.js';
import { describe, fail } from './filter-values.js';
import { parseFilter } from './parse-filter.js';
import { parseSort, type SortKey, sortSignature } from './sort.js';

export const PAGE_LIMITS = { default: 25, max: 100 } as const;

/**
 * The request fields as they arrive on the wire (unvalidated; everything is checked here). Clients send the same
 * `filter_conditions` and `sort` again with `next` / `prev`: a cursor is bound to the sort and scope (a mismatch is
 * an input error), while a changed filter simply continues from the cursor's position.
 */
export interface PageRequest {
  filter_conditions?: unknown;
  sort?: unknown;
  limit?: unknown;
  next?: unknown;
  prev?: unknown;
}

export interface QueryPlan {
  readonly filter: FilterNode;
  /** Full ordering, ending with the unique tie-break key. */
  readonly sort: readonly SortKey[];
  readonly limit: number;
  /** Where the page starts: rows strictly after (`next`) or strictly before (`prev`) this sort position. */
  readonly cursor?: { readonly direction: CursorDirection; readonly values: readonly string[] };
  /** Binds issued cursors to this scope and sort (direction filled in per cursor). */
  readonly binding: Omit<CursorBinding, 'direction'>;
}

export function parseLimit(input: unknown, at = 'limit'): number {
  if (input === undefined || input === null) return PAGE_LIMITS.default;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > PAGE_LIMITS.max) {
    fail(at, `must be an integer from 1 to ${PAGE_LIMITS.max}, got ${describe(input)}`);
  }
  return input;
}

/**
 * @param scope distinguishes result sets a cursor must not cross: `calls`, `members:<cid>`, `users`.
 * @param secret HMAC key for cursors (the app secret or a key derived from it).
 */
export function planQuery(resource: ResourceSpec, request: PageRequest, scope: string, secret: string): QueryPlan {
  const filter = parseFilter(resource, request.filter_conditions);
  const sort = parseSort(resource, request.sort);
  const limit = parseLimit(request.limit);
  const binding = { scope, sort: sortSignature(sort) };
  const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
  if (given(request.next) && given(request.prev)) fail('prev', 'pass either next or prev, not both');
  for (const direction of ['next', 'prev'] as const) {
    const token = request[direction];
    if (!given(token)) continue;
    const values = decodeCursor(secret, { ...binding, direction }, token, sort.length, direction);
    return { filter, sort, limit, binding, cursor: { direction, values } };
  }
  return { filter, sort, limit, binding };
}
