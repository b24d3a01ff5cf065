/**
 * Random valid filters and sorts per resource, and their translation for the oracle (mingo): our `$q` becomes a
 * case-insensitive substring `$regex`, `$autocomplete` a case-insensitive `(^| )needle` `$regex`, and date-time
 * operands are normalised with `Date` (independently of the parser's own RFC 3339 handling).
 */
import fc from 'fast-check';
import {
  CALL_IDS,
  CALL_TYPES,
  CUSTOM_KEYS,
  NAMES,
  NUMBERS,
  ROLES,
  STRINGS,
  TEAMS,
  TIMES,
  USER_IDS,
} from './differential-data.js';

type Filter = Record<string, unknown>;
const RANGE = ['$gt', '$gte', '$lt', '$lte'] as const;
const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const one = (field: string, condition: fc.Arbitrary<unknown>) => condition.map((c) => ({ [field]: c }) as Filter);
/** `$eq` written bare half the time: both forms must mean the same. */
const eq = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    value,
    value.map(($eq) => ({ $eq })),
  );
const inList = (value: fc.Arbitrary<unknown>) => fc.array(value, { maxLength: 4 }).map(($in) => ({ $in }));
const range = (value: fc.Arbitrary<unknown>) => fc.tuple(pick(RANGE), value).map(([op, v]) => ({ [op]: v }));
const exists = fc.boolean().map(($exists) => ({ $exists }));
const text = (needles: readonly string[]) =>
  fc.tuple(pick(['$q', '$autocomplete'] as const), pick(needles)).map(([op, v]) => ({ [op]: v }));

/** Times from the data pool and between them, written in several RFC 3339 spellings of the same instant. */
const dateOperand = fc
  .tuple(
    pick([...TIMES, '2024-01-01T00:00:00.000Z', '2024-03-01T12:00:00.000Z', '2030-01-01T00:00:00.000Z']),
    pick([0, 1, 2, 3]),
  )
  .map(([iso, style]) => {
    if (style === 1) return `${new Date(Date.parse(iso) + 2 * 3600_000).toISOString().slice(0, -1)}+02:00`;
    if (style === 2) return iso.replace('Z', '000000Z');
    if (style === 3 && iso.endsWith('.000Z')) return iso.replace('.000Z', 'Z');
    return iso;
  });
const dateField = (field: string, nullable: boolean) =>
  one(
    field,
    fc.oneof(
      eq(nullable ? fc.option(dateOperand, { nil: null }) : dateOperand),
      range(dateOperand),
      inList(nullable ? fc.option(dateOperand, { nil: null }) : dateOperand),
      ...(nullable ? [exists] : []),
    ),
  );
const idField = (field: string, pool: readonly string[], needles: readonly string[]) =>
  one(field, fc.oneof(eq(pick(pool)), inList(pick(pool)), range(pick([...pool, 'b', 'm'])), text(needles)));
const enumField = (field: string, pool: readonly unknown[]) => one(field, fc.oneof(eq(pick(pool)), inList(pick(pool))));

const scalar = fc.oneof(pick(STRINGS), pick(NUMBERS), fc.boolean(), fc.constant(null));
const customField = fc
  .tuple(
    pick([...CUSTOM_KEYS, 'a.x', 'zz']),
    fc.oneof(
      eq(scalar),
      inList(scalar),
      range(fc.oneof(pick(STRINGS), pick(NUMBERS))),
      exists,
      text(['o w', 'ELL', 'wor', 'x', '-', 'z', 'hello w', ' pea ']),
    ),
  )
  .map(([key, c]) => ({ [`custom.${key}`]: c }) as Filter);

const CIDS = CALL_TYPES.flatMap((t) => CALL_IDS.slice(0, 3).map((id) => `${t}:${id}`));
const callLeaf: fc.Arbitrary<Filter> = fc.oneof(
  idField('id', CALL_IDS, ['a', 'B', '-', '_1', 'z', 'call', '7']),
  idField('cid', CIDS, ['default:', 'AUDIO', ':a', 'stream:z']),
  one(
    'team',
    fc.oneof(eq(fc.option(pick(TEAMS), { nil: null })), inList(fc.option(pick(TEAMS), { nil: null })), exists),
  ),
  enumField('type', [...CALL_TYPES, 'other']),
  enumField('created_by_user_id', USER_IDS),
  dateField('created_at', false),
  dateField('updated_at', false),
  dateField('starts_at', true),
  dateField('ended_at', true),
  enumField('backstage', [true, false]),
  one('members', fc.oneof(inList(pick([...USER_IDS, 'nobody'])), eq(pick(USER_IDS)))),
  one('ongoing', eq(fc.boolean())),
  customField,
);
const memberLeaf: fc.Arbitrary<Filter> = fc.oneof(
  idField('user_id', USER_IDS, ['u', 'U', '_', 'ali', '3']),
  enumField('role', ROLES),
  one('custom', eq(fc.dictionary(pick(CUSTOM_KEYS), scalar, { maxKeys: 2 }))),
  dateField('created_at', false),
  dateField('updated_at', false),
  customField,
);
const userLeaf: fc.Arbitrary<Filter> = fc.oneof(
  idField('id', [...USER_IDS, ...CALL_IDS], ['u', 'A', '-', 'z']),
  one(
    'name',
    fc.oneof(
      eq(fc.option(pick(NAMES), { nil: null })),
      range(pick(NAMES)),
      exists,
      text(['ali', 'SMITH', 'b', 'marl', 'alpha', 'e a']),
    ),
  ),
  enumField('role', ['user', 'admin', 'anonymous']),
  dateField('created_at', false),
  dateField('updated_at', false),
  customField,
);

function tree(leaf: fc.Arbitrary<Filter>): fc.Arbitrary<Filter> {
  return fc.letrec<{ node: Filter }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'filter' },
      { weight: 4, arbitrary: fc.array(leaf, { maxLength: 2 }).map((parts) => Object.assign({}, ...parts) as Filter) },
      { weight: 1, arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })) },
      { weight: 2, arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })) },
    ),
  })).node;
}

const sortArb = (fields: readonly string[]) =>
  fc.option(
    fc.uniqueArray(fc.record({ field: pick(fields), direction: pick([1, -1] as const) }, { requiredKeys: ['field'] }), {
      maxLength: 3,
      selector: (s) => s.field,
    }),
    { nil: undefined },
  );

export const RESOURCES = {
  calls: {
    filter: tree(callLeaf),
    sort: sortArb(['starts_at', 'created_at', 'updated_at', 'ended_at', 'type', 'id', 'cid']),
    dates: ['created_at', 'updated_at', 'starts_at', 'ended_at'],
  },
  members: { filter: tree(memberLeaf), sort: sortArb(['user_id', 'created_at']), dates: ['created_at', 'updated_at'] },
  users: {
    filter: tree(userLeaf),
    sort: sortArb(['id', 'created_at', 'updated_at']),
    dates: ['created_at', 'updated_at'],
  },
} as const;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The same filter in MongoDB terms, for mingo. */
export function toMingo(filter: Filter, dates: readonly string[]): Filter {
  const all: Filter[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      all.push({ [key]: (value as Filter[]).map((f) => toMingo(f, dates)) });
      continue;
    }
    const isOps = typeof value === 'object' && value !== null && Object.keys(value).some((k) => k.startsWith('$'));
    const ops = isOps ? Object.entries(value as Filter) : [['$eq', value] as [string, unknown]];
    const norm = (v: unknown) => (dates.includes(key) && typeof v === 'string' ? new Date(v).toISOString() : v);
    for (const [op, operand] of ops) {
      if (op === '$q') all.push({ [key]: { $regex: new RegExp(escapeRegExp(operand as string), 'i') } });
      else if (op === '$autocomplete')
        all.push({ [key]: { $regex: new RegExp(`(^| )${escapeRegExp((operand as string).trim())}`, 'i') } });
      else if (op === '$in') all.push({ [key]: { $in: (operand as unknown[]).map(norm) } });
      else all.push({ [key]: { [op]: norm(operand) } });
    }
  }
  return all.length > 0 ? { $and: all } : {};
}
