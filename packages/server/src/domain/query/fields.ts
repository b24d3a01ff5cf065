/**
 * Per-resource field tables: which filter fields exist, how they are stored, which operators they accept, and
 * which fields can be sorted on. The parser rejects anything not listed here, so this file is the whole surface of
 * the query language (and the place to grow it).
 */
import type { FieldType, Operator } from './filter-ast.js';

export interface FieldSpec {
  readonly type: FieldType;
  /** Column in the resource's table; absent for computed fields (`members`, `ongoing`). */
  readonly column?: string;
  readonly nullable?: boolean;
  readonly ops: readonly Operator[];
}

export interface SortFieldSpec {
  readonly column: string;
  /** Nullable sort columns order nulls as the smallest value (first ascending, last descending). */
  readonly nullable: boolean;
}

export interface ResourceSpec {
  /** Scope name bound into cursors, so a cursor of one resource is refused by another. */
  readonly name: 'calls' | 'members' | 'users';
  readonly table: 'calls' | 'call_members' | 'users';
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** JSON column addressed by `custom.<key>` filters. */
  readonly customColumn: string;
  readonly sortFields: Readonly<Record<string, SortFieldSpec>>;
  readonly defaultSort: readonly { field: string; direction: 1 | -1 }[];
  /** Unique (within the query's scope) column appended to every sort so keyset paging is total. */
  readonly tieBreak: string;
}

const ORDERED = ['$eq', '$in', '$gt', '$gte', '$lt', '$lte'] as const satisfies readonly Operator[];
const TEXT = [...ORDERED, '$q', '$autocomplete'] as const satisfies readonly Operator[];
const ENUM = ['$eq', '$in'] as const satisfies readonly Operator[];

/** Operators on `custom.<key>`: the value's JSON type decides how each compares (see parse-filter.ts). */
export const CUSTOM_KEY_OPS: readonly Operator[] = [...TEXT, '$exists'];
/** At most this many dot-separated segments after `custom.`; each is `[A-Za-z0-9_-]{1,64}`. */
export const MAX_CUSTOM_PATH = 4;
export const CUSTOM_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

const str = (ops: readonly Operator[], column: string, nullable = false): FieldSpec => ({
  type: 'string',
  column,
  nullable,
  ops: nullable ? [...ops, '$exists'] : ops,
});
const date = (column: string, nullable = false): FieldSpec => ({
  type: 'date',
  column,
  nullable,
  ops: nullable ? [...ORDERED, '$exists'] : ORDERED,
});
const sortBy = (column: string, nullable = false): SortFieldSpec => ({ column, nullable });

export const CALLS: ResourceSpec = {
  name: 'calls',
  table: 'calls',
  fields: {
    id: str(TEXT, 'id'),
    cid: str(TEXT, 'cid'),
    team: str(ENUM, 'team', true),
    type: str(ENUM, 'type'),
    created_by_user_id: str(ENUM, 'created_by_user_id'),
    created_at: date('created_at'),
    updated_at: date('updated_at'),
    ended_at: date('ended_at', true),
    starts_at: date('starts_at', true),
    backstage: { type: 'boolean', column: 'backstage', ops: ENUM },
    members: { type: 'members', ops: ENUM },
    ongoing: { type: 'ongoing', ops: ['$eq'] },
  },
  customColumn: 'custom',
  sortFields: {
    starts_at: sortBy('starts_at', true),
    created_at: sortBy('created_at'),
    updated_at: sortBy('updated_at'),
    ended_at: sortBy('ended_at', true),
    type: sortBy('type'),
    id: sortBy('id'),
    cid: sortBy('cid'),
  },
  defaultSort: [{ field: 'created_at', direction: -1 }],
  tieBreak: 'cid',
};

/** Members of one call (the call is a separate, required parameter, not a filter). */
export const MEMBERS: ResourceSpec = {
  name: 'members',
  table: 'call_members',
  fields: {
    user_id: str(TEXT, 'user_id'),
    role: str(ENUM, 'role'),
    custom: { type: 'json', column: 'custom', ops: ['$eq'] },
    created_at: date('created_at'),
    updated_at: date('updated_at'),
  },
  customColumn: 'custom',
  sortFields: { user_id: sortBy('user_id'), created_at: sortBy('created_at') },
  defaultSort: [{ field: 'created_at', direction: 1 }],
  tieBreak: 'user_id',
};

/** Users; oldest first by default, like members, so new sign-ups append to the end of a walk. */
export const USERS: ResourceSpec = {
  name: 'users',
  table: 'users',
  fields: {
    id: str(TEXT, 'id'),
    name: str(TEXT, 'name', true),
    role: str(ENUM, 'role'),
    created_at: date('created_at'),
    updated_at: date('updated_at'),
  },
  customColumn: 'custom',
  sortFields: { id: sortBy('id'), created_at: sortBy('created_at'), updated_at: sortBy('updated_at') },
  defaultSort: [{ field: 'created_at', direction: 1 }],
  tieBreak: 'id',
};
