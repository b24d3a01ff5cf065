import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALLS, MEMBERS, USERS } from '../../src/domain/query/fields.js';
import type { FilterNode } from '../../src/domain/query/filter-ast.js';
import { FILTER_LIMITS, parseFilter } from '../../src/domain/query/parse-filter.js';
import { assertInputError } from './assert-input-error.js';

const T = '2030-01-02T03:04:05.678Z';
const col = (column: string, type: 'string' | 'date' | 'boolean', nullable = false) =>
  ({ kind: 'column', column, type, nullable }) as const;
const custom = (...path: string[]) => ({ kind: 'json', column: 'custom', path }) as const;
const calls = (filter: unknown): FilterNode => parseFilter(CALLS, filter);

describe('parseFilter: operators', () => {
  it('empty or missing filter matches everything', () => {
    for (const f of [undefined, null, {}]) assert.deepEqual(calls(f), { kind: 'const', value: true });
  });
  it('$eq, in both the bare and the operator form', () => {
    const expected = { kind: 'compare', target: col('type', 'string'), op: 'eq', value: 'default' };
    assert.deepEqual(calls({ type: 'default' }), expected);
    assert.deepEqual(calls({ type: { $eq: 'default' } }), expected);
    assert.deepEqual(calls({ backstage: false }), {
      kind: 'compare',
      target: col('backstage', 'boolean'),
      op: 'eq',
      value: false,
    });
  });
  it('$gt $gte $lt $lte on dates normalise to the stored format', () => {
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      assert.deepEqual(calls({ starts_at: { [`$${op}`]: '2030-01-02T05:04:05.678+02:00' } }), {
        kind: 'compare',
        target: col('starts_at', 'date', true),
        op,
        value: T,
      });
    }
    assert.deepEqual(calls({ created_at: { $eq: '2030-01-02t03:04:05.678z' } }).kind, 'compare');
  });
  it('times below a millisecond compare exactly against millisecond-precision rows', () => {
    const at = '2030-01-02T03:04:05.678500Z';
    const cmp = (op: string) => calls({ created_at: { [op]: at } });
    assert.deepEqual(cmp('$eq'), { kind: 'const', value: false });
    assert.equal((cmp('$gte') as { op: string }).op, 'gt');
    assert.equal((cmp('$lt') as { op: string }).op, 'lte');
    assert.equal((cmp('$gt') as { op: string }).op, 'gt');
    assert.equal((calls({ created_at: { $eq: '2030-01-02T03:04:05.678000000Z' } }) as { value: string }).value, T);
  });
  it('several operators on one field are ANDed; several fields are ANDed', () => {
    const node = calls({ created_at: { $gte: T, $lt: T }, type: 'x' });
    assert.equal(node.kind, 'and');
    assert.equal((node as { children: readonly unknown[] }).children.length, 3);
  });
  it('$in with values, nulls on nullable fields, and empty lists', () => {
    assert.deepEqual(calls({ type: { $in: ['a', 'b'] } }), {
      kind: 'in',
      target: col('type', 'string'),
      values: ['a', 'b'],
    });
    assert.deepEqual(calls({ team: { $in: ['red', null] } }), {
      kind: 'in',
      target: col('team', 'string', true),
      values: ['red', null],
    });
    assert.deepEqual(calls({ type: { $in: [] } }), { kind: 'const', value: false });
  });
  it('$exists on nullable columns and custom keys', () => {
    assert.deepEqual(calls({ ended_at: { $exists: false } }), {
      kind: 'exists',
      target: col('ended_at', 'date', true),
      exists: false,
    });
    assert.deepEqual(calls({ 'custom.a.b': { $exists: true } }), {
      kind: 'exists',
      target: custom('a', 'b'),
      exists: true,
    });
  });
  it('$q keeps the needle; $autocomplete trims it; both lower-case ASCII', () => {
    assert.deepEqual(calls({ id: { $q: ' Ab' } }), {
      kind: 'text',
      target: col('id', 'string'),
      mode: 'q',
      text: ' ab',
    });
    assert.deepEqual(parseFilter(USERS, { name: { $autocomplete: ' JoH ' } }), {
      kind: 'text',
      target: col('name', 'string', true),
      mode: 'autocomplete',
      text: 'joh',
    });
  });
  it('$and and $or, nested', () => {
    const node = calls({ $or: [{ type: 'a' }, { $and: [{ backstage: true }, { ongoing: true }] }] });
    assert.equal(node.kind, 'or');
    const [, second] = (node as { children: readonly FilterNode[] }).children;
    assert.equal(second?.kind, 'and');
  });
  it('members and ongoing', () => {
    assert.deepEqual(calls({ members: { $in: ['u1', 'u2'] } }), { kind: 'has_member', userIds: ['u1', 'u2'] });
    assert.deepEqual(calls({ members: 'u1' }), { kind: 'has_member', userIds: ['u1'] });
    assert.deepEqual(calls({ ongoing: { $eq: true } }), { kind: 'ongoing', value: true });
  });
  it('custom keys take strings, numbers, booleans and null, typed', () => {
    assert.deepEqual(calls({ 'custom.n': { $gt: 5 } }), { kind: 'compare', target: custom('n'), op: 'gt', value: 5 });
    assert.deepEqual(calls({ 'custom.s': null }), { kind: 'compare', target: custom('s'), op: 'eq', value: null });
    assert.deepEqual(calls({ 'custom.b': true }), { kind: 'compare', target: custom('b'), op: 'eq', value: true });
  });
  it('members custom as a whole object: exact keys and values', () => {
    const node = parseFilter(MEMBERS, { custom: { a: 1, b: null } });
    assert.deepEqual(node, {
      kind: 'and',
      children: [
        { kind: 'json_key_count', column: 'custom', count: 2 },
        { kind: 'compare', target: custom('a'), op: 'eq', value: 1 },
        { kind: 'exists', target: custom('b'), exists: true },
        { kind: 'compare', target: custom('b'), op: 'eq', value: null },
      ],
    });
    assert.deepEqual(parseFilter(MEMBERS, { custom: { $eq: {} } }), {
      kind: 'json_key_count',
      column: 'custom',
      count: 0,
    });
  });
});

describe('parseFilter: bad input is an input error naming the field', () => {
  const bad = (filter: unknown, field: string, mention?: RegExp) =>
    assertInputError(() => calls(filter), field, mention);
  it('filter that is not an object', () => {
    bad([], 'filter_conditions', /must be an object/);
    bad('x', 'filter_conditions');
  });
  it('unknown field, unknown operator, operator not allowed on the field', () => {
    bad({ colour: 'red' }, 'filter_conditions.colour', /unknown field "colour"/);
    bad({ $not: {} }, 'filter_conditions.$not', /unknown operator \$not/);
    bad({ type: { $regex: 'a' } }, 'filter_conditions.type', /unknown operator \$regex/);
    bad({ backstage: { $gt: true } }, 'filter_conditions.backstage', /\$gt is not allowed on field "backstage"/);
    bad({ ongoing: { $in: [true] } }, 'filter_conditions.ongoing', /\$in is not allowed/);
    bad({ type: { $q: 'x' } }, 'filter_conditions.type', /\$q is not allowed/);
    bad({ created_at: { $exists: true } }, 'filter_conditions.created_at', /\$exists is not allowed/);
  });
  it('wrong value types', () => {
    bad({ starts_at: { $gt: 'tomorrow' } }, 'filter_conditions.starts_at', /\$gt needs an RFC 3339 date-time/);
    bad({ starts_at: { $gt: 1700000000000 } }, 'filter_conditions.starts_at', /RFC 3339/);
    bad({ created_at: '2030-02-30T00:00:00Z' }, 'filter_conditions.created_at', /RFC 3339/);
    bad({ created_at: '2030-01-01T24:00:00Z' }, 'filter_conditions.created_at');
    bad({ created_at: '9999-12-31T23:00:00-05:00' }, 'filter_conditions.created_at');
    bad({ backstage: 'false' }, 'filter_conditions.backstage', /true or false/);
    bad({ backstage: 0 }, 'filter_conditions.backstage');
    bad({ type: 5 }, 'filter_conditions.type', /needs a string/);
    bad({ type: null }, 'filter_conditions.type', /needs a string/);
    bad({ starts_at: { $lt: null } }, 'filter_conditions.starts_at');
    bad({ 'custom.x': { $gt: true } }, 'filter_conditions.custom.x', /string or number/);
    bad({ 'custom.x': { $gt: null } }, 'filter_conditions.custom.x');
    bad({ 'custom.x': { a: 1 } }, 'filter_conditions.custom.x', /got an object/);
    bad({ 'custom.x': Number.NaN }, 'filter_conditions.custom.x');
    bad({ ongoing: 'yes' }, 'filter_conditions.ongoing');
    bad({ members: { $in: [1] } }, 'filter_conditions.members[0]', /needs a string/);
    bad({ id: { $q: '' } }, 'filter_conditions.id', /non-empty/);
    bad({ id: { $autocomplete: '   ' } }, 'filter_conditions.id', /non-empty/);
    bad({ id: { $q: 'x'.repeat(257) } }, 'filter_conditions.id', /longer than/);
    bad({ type: { $in: [1] } }, 'filter_conditions.type[0]');
    bad({ ended_at: { $exists: 'yes' } }, 'filter_conditions.ended_at');
  });
  it('$in not an array, or too long', () => {
    bad({ type: { $in: 'a' } }, 'filter_conditions.type', /\$in needs an array/);
    const many = Array.from({ length: FILTER_LIMITS.maxIn + 1 }, (_, i) => `t${i}`);
    bad({ type: { $in: many } }, 'filter_conditions.type', /at most 100 values/);
    bad({ members: { $in: many } }, 'filter_conditions.members', /at most 100 values/);
  });
  it('$and / $or not a non-empty array of objects', () => {
    bad({ $and: {} }, 'filter_conditions.$and', /needs an array/);
    bad({ $or: [] }, 'filter_conditions.$or', /at least one/);
    bad({ $or: [{ type: 'a' }, 3] }, 'filter_conditions.$or[1]', /must be an object/);
    bad({ $or: [{ nope: 1 }] }, 'filter_conditions.$or[0].nope', /unknown field/);
  });
  it('nesting deeper than the limit', () => {
    let filter: unknown = { type: 'a' };
    for (let i = 0; i < FILTER_LIMITS.maxDepth; i++) filter = { $and: [filter] };
    calls(filter); // exactly at the limit
    assertInputError(() => calls({ $or: [filter] }), 'filter_conditions.$or[0].$and[0].$and[0].$and[0].$and', /nest/);
  });
  it('too many conditions', () => {
    // Each $or element costs one and each field condition one: 100 elements of one condition fill the budget.
    const half = FILTER_LIMITS.maxConditions / 2;
    calls({ $or: Array.from({ length: half }, () => ({ type: 'a' })) });
    const many = Array.from({ length: half + 1 }, () => ({ type: 'a' }));
    bad({ $or: many }, `filter_conditions.$or[${half - 1}].type`, /at most 200 conditions/);
  });
  it('the condition budget counts every generated condition, and refuses before building them', () => {
    const max = FILTER_LIMITS.maxConditions;
    const object = (keys: number, value: unknown = 1) =>
      Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, value]));
    // Whole-object equality: one for the key count plus one per key.
    parseFilter(MEMBERS, { custom: object(max - 1) });
    assertInputError(() => parseFilter(MEMBERS, { custom: object(max) }), 'filter_conditions.custom', /at most 200/);
    // A key compared with null is an existence test and a comparison: two.
    assertInputError(
      () => parseFilter(MEMBERS, { custom: object(max / 2, null) }),
      'filter_conditions.custom',
      /at most 200/,
    );
    // The 5,000-key object of the report is refused on the budget, naming the field.
    assertInputError(() => parseFilter(MEMBERS, { custom: object(5000) }), 'filter_conditions.custom', /at most/);
    // $in values count one each: two full lists and a bit more exceed it.
    const ids = Array.from({ length: FILTER_LIMITS.maxIn }, (_, i) => `t${i}`);
    calls({ type: { $in: ids }, id: { $in: ids.slice(0, max - FILTER_LIMITS.maxIn) } });
    bad({ type: { $in: ids }, id: { $in: ids }, team: 'x' }, 'filter_conditions.team', /at most 200/);
    bad({ members: { $in: ids }, id: { $in: ids }, type: 'x' }, 'filter_conditions.type', /at most 200/);
    // $and / $or elements count one each, besides what they hold.
    const and = Array.from({ length: 51 }, () => ({ id: { $in: ['a'] } })); // 100 + 51 + 51 conditions
    bad({ type: { $in: ids }, $and: and }, 'filter_conditions.$and[49].id', /at most 200/);
  });
  it('a filter whose JSON text is over the size cap is refused before it is walked', () => {
    const long = 'x'.repeat(FILTER_LIMITS.maxChars);
    bad({ type: long }, 'filter_conditions', /at most 100000 characters/);
  });
  it('operators mixed with plain keys, and empty operator objects', () => {
    bad({ type: { $eq: 'a', x: 1 } }, 'filter_conditions.type', /mixes operators/);
    bad({ type: {} }, 'filter_conditions.type', /at least one operator/);
  });
  it('bad custom keys', () => {
    bad({ 'custom.': 1 }, 'filter_conditions.custom.', /custom keys/);
    bad({ 'custom.a b': 1 }, 'filter_conditions.custom.a b', /custom keys/);
    bad({ 'custom.a.b.c.d.e': 1 }, 'filter_conditions.custom.a.b.c.d.e', /custom keys/);
    bad({ 'custom."x': 1 }, 'filter_conditions.custom."x');
  });
  it('members custom must be an object of scalars', () => {
    assertInputError(() => parseFilter(MEMBERS, { custom: 'x' }), 'filter_conditions.custom', /needs an object/);
    assertInputError(() => parseFilter(MEMBERS, { custom: { a: { b: 1 } } }), 'filter_conditions.custom.a');
    assertInputError(
      () => parseFilter(MEMBERS, { custom: { $exists: true } }),
      'filter_conditions.custom',
      /not allowed/,
    );
  });
  it('fields of one resource are unknown to another', () => {
    assertInputError(() => parseFilter(MEMBERS, { ongoing: true }), 'filter_conditions.ongoing', /unknown field/);
    assertInputError(() => parseFilter(USERS, { backstage: true }), 'filter_conditions.backstage', /unknown field/);
  });
});
