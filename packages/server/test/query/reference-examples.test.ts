/**
 * The reference examples (docs/api.md "Queries"), each with its expected rows, plus
 * visibility, cursor stability under inserts, tampering and offset paging — on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryCalls } from '../../src/store/query/query-calls.js';
import { queryMembers } from '../../src/store/query/query-members.js';
import { queryUsers } from '../../src/store/query/query-users.js';
import { assertRejectsInput } from './assert-input-error.js';
import { openTestDatabase, postgresSkipReason, type TestDatabase } from './databases.js';
import { type CallDoc, loadDataset, type MemberDoc, type UserDoc } from './differential-data.js';

const NOW = Date.parse('2030-06-01T12:00:00.000Z');
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();
const secret = 'reference-secret';

const call = (cid: string, created: number, extra: Partial<CallDoc> = {}): CallDoc => {
  const [type = '', id = ''] = cid.split(':');
  return {
    cid,
    type,
    id,
    team: null,
    created_by_user_id: 'u1',
    created_at: at(created),
    updated_at: at(created),
    starts_at: null,
    ended_at: null,
    backstage: false,
    deleted: false,
    custom: {},
    members: [],
    session: 'none',
    ...extra,
  };
};
const member = (user_id: string, role: string, created: number): MemberDoc => ({
  user_id,
  role,
  custom: {},
  created_at: at(created),
  updated_at: at(created),
});

const CALLS: CallDoc[] = [
  call('default:c1', -120, {
    members: [
      member('u1', 'admin', -100),
      member('u2', 'call_member', -90),
      member('u3', 'admin', -80),
      member('u4', 'call_member', -100),
    ],
  }),
  call('default:c2', -60, { backstage: true, starts_at: at(120) }),
  call('livestream:c3', 0, { starts_at: at(10), session: 'live' }),
  call('audio_room:c4', -180, { backstage: true, starts_at: at(24 * 60), session: 'rung' }),
  call('default:c5', -60, { starts_at: at(-60), session: 'ended' }),
  call('default:c6', 10, { deleted: true }),
];
const USERS: UserDoc[] = ['carol', 'alice', 'bob', 'dave', 'erin', 'emile'].map((id, i) => ({
  id,
  name: id === 'emile' ? 'Émile Zola' : id,
  role: 'user',
  custom: {},
  created_at: at(i),
  updated_at: at(i),
  deleted: id === 'erin',
}));

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`reference examples (${dialect})`, () => {
    let t: TestDatabase;
    let skip: string | undefined;
    before(async () => {
      skip = dialect === 'postgres' ? await postgresSkipReason() : undefined;
      if (skip) return;
      t = await openTestDatabase(dialect);
      await loadDataset(t.db, CALLS, USERS);
    });
    after(async () => t?.close());

    const cids = async (request: object, options: object = {}) =>
      (await queryCalls(t.db, t.dialect, request, { secret, ...options })).rows.map((r) => r.cid);
    const guard = (ctx: { skip(reason?: string): void }) => {
      if (skip) ctx.skip(skip);
      return !skip;
    };

    it('queryCalls() — default sort created_at desc, ties by cid desc, deleted calls hidden', async (ctx) => {
      if (!guard(ctx)) return;
      assert.deepEqual(await cids({}), ['livestream:c3', 'default:c5', 'default:c2', 'default:c1', 'audio_room:c4']);
    });
    it('sort starts_at desc, limit 2, then next: nulls last', async (ctx) => {
      if (!guard(ctx)) return;
      const sort = [{ field: 'starts_at', direction: -1 }];
      const page1 = await queryCalls(t.db, t.dialect, { sort, limit: 2 }, { secret });
      assert.deepEqual(
        page1.rows.map((r) => r.cid),
        ['audio_room:c4', 'default:c2'],
      );
      assert.equal(page1.prev, undefined);
      const page2 = await queryCalls(t.db, t.dialect, { sort, limit: 2, next: page1.next }, { secret });
      assert.deepEqual(
        page2.rows.map((r) => r.cid),
        ['livestream:c3', 'default:c5'],
      );
      const page3 = await queryCalls(t.db, t.dialect, { sort, limit: 2, next: page2.next }, { secret });
      assert.deepEqual(
        page3.rows.map((r) => r.cid),
        ['default:c1'],
      );
      assert.equal(page3.next, undefined);
      const back = await queryCalls(t.db, t.dialect, { sort, limit: 2, prev: page3.prev }, { secret });
      assert.deepEqual(
        back.rows.map((r) => r.cid),
        ['livestream:c3', 'default:c5'],
      );
    });
    it('live: backstage $eq false', async (ctx) => {
      if (!guard(ctx)) return;
      assert.deepEqual(await cids({ filter_conditions: { backstage: { $eq: false } } }), [
        'livestream:c3',
        'default:c5',
        'default:c1',
      ]);
    });
    it('upcoming: starts_at $gt in 30 minutes', async (ctx) => {
      if (!guard(ctx)) return;
      assert.deepEqual(await cids({ filter_conditions: { starts_at: { $gt: at(30) } } }), [
        'default:c2',
        'audio_room:c4',
      ]);
    });
    it('ongoing $eq true: a started, unended current session (rung or ended ones are not)', async (ctx) => {
      if (!guard(ctx)) return;
      assert.deepEqual(await cids({ filter_conditions: { ongoing: { $eq: true } } }), ['livestream:c3']);
      assert.deepEqual(await cids({ filter_conditions: { ongoing: false } }), [
        'default:c5',
        'default:c2',
        'default:c1',
        'audio_room:c4',
      ]);
    });
    it('queryMembers sort user_id asc, limit 2, then next', async (ctx) => {
      if (!guard(ctx)) return;
      const sort = [{ field: 'user_id', direction: 1 }];
      const page1 = await queryMembers(t.db, t.dialect, 'default:c1', { sort, limit: 2 }, { secret });
      assert.deepEqual(
        page1.rows.map((m) => m.user_id),
        ['u1', 'u2'],
      );
      const page2 = await queryMembers(t.db, t.dialect, 'default:c1', { sort, limit: 2, next: page1.next }, { secret });
      assert.deepEqual(
        page2.rows.map((m) => m.user_id),
        ['u3', 'u4'],
      );
      assert.equal(page2.next, undefined);
      await assertRejectsInput(
        () => queryMembers(t.db, t.dialect, 'default:c2', { sort, limit: 2, next: page1.next }, { secret }),
        'next',
      );
    });
    it('queryMembers role $eq admin, default order created_at asc', async (ctx) => {
      if (!guard(ctx)) return;
      const page = await queryMembers(
        t.db,
        t.dialect,
        'default:c1',
        { filter_conditions: { role: { $eq: 'admin' } } },
        { secret },
      );
      assert.deepEqual(
        page.rows.map((m) => m.user_id),
        ['u1', 'u3'],
      );
      const all = await queryMembers(t.db, t.dialect, 'default:c1', {}, { secret });
      assert.deepEqual(
        all.rows.map((m) => m.user_id),
        ['u1', 'u4', 'u2', 'u3'],
      );
    });
    it('a user token sees calls of readable types and calls it is a member of', async (ctx) => {
      if (!guard(ctx)) return;
      assert.deepEqual(await cids({}, { visibleToUserId: 'u2', readableTypesForRole: ['livestream'] }), [
        'livestream:c3',
        'default:c1',
      ]);
      assert.deepEqual(await cids({}, { visibleToUserId: 'u2', readableTypesForRole: [] }), ['default:c1']);
      assert.deepEqual(await cids({}, { visibleToUserId: 'nobody' }), []);
    });
    it('pages stay stable when calls are inserted between requests', async (ctx) => {
      if (!guard(ctx)) return;
      const page1 = await queryCalls(t.db, t.dialect, { limit: 2 }, { secret });
      await loadDataset(t.db, [...CALLS, call('default:new-first', 60), call('default:new-last', -500)], USERS);
      try {
        const page2 = await queryCalls(t.db, t.dialect, { limit: 2, next: page1.next }, { secret });
        const page3 = await queryCalls(t.db, t.dialect, { limit: 2, next: page2.next }, { secret });
        assert.deepEqual(
          [...page2.rows, ...page3.rows].map((r) => r.cid),
          ['default:c2', 'default:c1', 'audio_room:c4', 'default:new-last'],
        );
      } finally {
        await loadDataset(t.db, CALLS, USERS);
      }
    });
    it('forged cursors and bad filters are input errors naming the field', async (ctx) => {
      if (!guard(ctx)) return;
      const { next = '' } = await queryCalls(t.db, t.dialect, { limit: 1 }, { secret });
      await assertRejectsInput(
        () => queryCalls(t.db, t.dialect, { next: `${next.slice(0, 4)}x${next.slice(5)}` }, { secret }),
        'next',
      );
      await assertRejectsInput(() => queryCalls(t.db, t.dialect, { next }, { secret: 'another' }), 'next');
      await assertRejectsInput(
        () => queryCalls(t.db, t.dialect, { filter_conditions: { starts_at: { $gt: 'soon' } } }, { secret }),
        'filter_conditions.starts_at',
        /\$gt/,
      );
      await assertRejectsInput(() => queryCalls(t.db, t.dialect, { limit: 500 }, { secret }), 'limit');
    });
    it('queryUsers: default created_at asc, deleted hidden, offset paging', async (ctx) => {
      if (!guard(ctx)) return;
      const ids = async (request: object) =>
        (await queryUsers(t.db, t.dialect, request, { secret })).rows.map((u) => u.id);
      assert.deepEqual(await ids({}), ['carol', 'alice', 'bob', 'dave', 'emile']);
      assert.deepEqual(await ids({ offset: 1, limit: 2, sort: [{ field: 'id', direction: 1 }] }), ['bob', 'carol']);
      assert.deepEqual(await ids({ filter_conditions: { name: { $autocomplete: 'AL' } } }), ['alice']);
      // Case folds for ASCII letters only, identically in both dialects.
      assert.deepEqual(await ids({ filter_conditions: { name: { $autocomplete: 'ÉMILE z' } } }), ['emile']);
      assert.deepEqual(await ids({ filter_conditions: { name: { $q: 'émile' } } }), []);
      assert.deepEqual(await ids({ filter_conditions: { name: { $autocomplete: 'zol' } } }), ['emile']);
      await assertRejectsInput(() => queryUsers(t.db, t.dialect, { offset: -1 }, { secret }), 'offset');
    });
  });
}
