import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../../src/domain/query/cursor.js';
import { CALLS, MEMBERS, USERS } from '../../src/domain/query/fields.js';
import { PAGE_LIMITS, parseLimit, planQuery } from '../../src/domain/query/page-request.js';
import { parseSort, sortSignature } from '../../src/domain/query/sort.js';
import { assertInputError } from './assert-input-error.js';

const fields = (keys: { field: string; direction: number }[]) => keys.map((k) => `${k.field}:${k.direction}`).join(',');

describe('parseSort', () => {
  it('defaults: calls created_at desc, members created_at asc, users created_at asc, with tie-breaks', () => {
    assert.equal(fields(parseSort(CALLS, undefined)), 'created_at:-1,cid:-1');
    assert.equal(fields(parseSort(CALLS, [])), 'created_at:-1,cid:-1');
    assert.equal(fields(parseSort(MEMBERS, null)), 'created_at:1,user_id:1');
    assert.equal(fields(parseSort(USERS, undefined)), 'created_at:1,id:1');
  });
  it('several keys; the tie-break follows the last direction; keys after a unique key are dropped', () => {
    const keys = parseSort(CALLS, [
      { field: 'type', direction: 1 },
      { field: 'starts_at', direction: -1 },
    ]);
    assert.equal(fields(keys), 'type:1,starts_at:-1,cid:-1');
    assert.equal(keys[1]?.nullable, true);
    assert.equal(
      fields(
        parseSort(CALLS, [
          { field: 'cid', direction: -1 },
          { field: 'id', direction: 1 },
        ]),
      ),
      'cid:-1',
    );
    assert.equal(fields(parseSort(MEMBERS, [{ field: 'user_id' }])), 'user_id:1');
  });
  it('rejects unknown fields, bad directions, duplicates, non-arrays, too many keys', () => {
    assertInputError(
      () => parseSort(CALLS, [{ field: 'custom.a', direction: 1 }]),
      'sort[0].field',
      /cannot sort calls/,
    );
    assertInputError(() => parseSort(MEMBERS, [{ field: 'role', direction: 1 }]), 'sort[0].field');
    assertInputError(
      () => parseSort(CALLS, [{ field: 'id', direction: 0 }]),
      'sort[0].direction',
      /1 \(ascending\) or -1/,
    );
    assertInputError(() => parseSort(CALLS, [{ field: 'id', direction: 'desc' }]), 'sort[0].direction');
    assertInputError(
      () => parseSort(CALLS, [{ field: 'id' }, { field: 'id', direction: -1 }]),
      'sort[1].field',
      /twice/,
    );
    assertInputError(() => parseSort(CALLS, { field: 'id' }), 'sort', /must be an array/);
    assertInputError(() => parseSort(CALLS, ['id']), 'sort[0]', /must be an object/);
    const six = ['id', 'type', 'cid', 'created_at', 'updated_at', 'starts_at'].map((field) => ({ field }));
    assertInputError(() => parseSort(CALLS, six), 'sort', /at most 5/);
  });
});

describe('parseLimit', () => {
  it('defaults to 25 and accepts 1..100', () => {
    assert.equal(parseLimit(undefined), PAGE_LIMITS.default);
    assert.equal(parseLimit(1), 1);
    assert.equal(parseLimit(100), 100);
  });
  it('rejects out-of-range and non-integers', () => {
    for (const bad of [0, 101, -1, 2.5, '10', Number.NaN])
      assertInputError(() => parseLimit(bad), 'limit', /from 1 to 100/);
  });
});

describe('cursors', () => {
  const binding = { scope: 'calls', sort: 'created_at:-1,cid:-1', direction: 'next' } as const;
  const token = encodeCursor('secret', binding, ['2030-01-01T00:00:00.000Z', 'default:a']);
  it('round-trip', () => {
    assert.deepEqual(decodeCursor('secret', binding, token, 2, 'next'), ['2030-01-01T00:00:00.000Z', 'default:a']);
  });
  it('refuse forgery, edits, another secret, scope, sort or direction, and junk', () => {
    const [payload, mac] = token.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify(['2099-01-01T00:00:00.000Z', 'default:z'])).toString('base64url')}.${mac}`;
    const flipped = `${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [forged, flipped, `${payload}.`, payload, `${token}.x`, '', 42, 'x'.repeat(5000)]) {
      assertInputError(() => decodeCursor('secret', binding, bad, 2, 'next'), 'next', /invalid cursor/);
    }
    assertInputError(() => decodeCursor('other', binding, token, 2, 'next'), 'next');
    assertInputError(() => decodeCursor('secret', { ...binding, scope: 'users' }, token, 2, 'next'), 'next');
    assertInputError(() => decodeCursor('secret', { ...binding, sort: 'id:1,cid:1' }, token, 2, 'next'), 'next');
    assertInputError(() => decodeCursor('secret', { ...binding, direction: 'prev' }, token, 2, 'prev'), 'prev');
    assertInputError(() => decodeCursor('secret', binding, token, 3, 'next'), 'next');
  });
  it('planQuery binds cursors to the scope and the sort, and refuses next with prev', () => {
    const sort = [{ field: 'starts_at', direction: -1 }];
    const keys = parseSort(CALLS, sort);
    const next = encodeCursor(
      's',
      { scope: 'members:default:a', sort: sortSignature(parseSort(MEMBERS, undefined)), direction: 'next' },
      ['x', 'y'],
    );
    assertInputError(() => planQuery(MEMBERS, { next }, 'members:default:b', 's'), 'next');
    assert.deepEqual(planQuery(MEMBERS, { next }, 'members:default:a', 's').cursor, {
      direction: 'next',
      values: ['x', 'y'],
    });
    const callsNext = encodeCursor('s', { scope: 'calls', sort: sortSignature(keys), direction: 'next' }, [
      '',
      'default:a',
    ]);
    assert.ok(planQuery(CALLS, { sort, next: callsNext }, 'calls', 's').cursor);
    assertInputError(() => planQuery(CALLS, { next: callsNext }, 'calls', 's'), 'next');
    assertInputError(
      () => planQuery(CALLS, { sort, next: callsNext, prev: callsNext }, 'calls', 's'),
      'prev',
      /either next or prev/,
    );
    assert.equal(planQuery(CALLS, { next: '', prev: null }, 'calls', 's').cursor, undefined);
  });
});
