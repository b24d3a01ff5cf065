/**
 * Issue 3's reference examples ("What a user must be able to do"), each with its expected rows, through our SDK
 * against a started node on each database; then what a user token may see, watching over QueryCalls, bad input
 * over raw HTTP (400, code 4, naming the field) and QueryUsers filters.
 *
 * The calls are created in ascending cid order, so the default order (created_at desc, ties cid desc) is the
 * reverse creation order whether or not two creations share a millisecond.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { SwitchboardClient, SwitchboardError } from '@switchboard/sdk';
import { TestSocket } from '../realtime/support.js';
import { assertApiError } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const MINUTE = 60_000;

eachDatabase('QueryCalls / QueryCallMembers / QueryUsers reference', (node) => {
  const client = () => new SwitchboardClient(node().apiKey, node().apiSecret, { baseUrl: node().baseUrl });
  const now = Date.now();
  const in30min = new Date(now + 30 * MINUTE);
  const at = (minutes: number) => new Date(now + minutes * MINUTE).toISOString();
  const cids = (page: { calls: { call: { cid: string } }[] }) => page.calls.map((c) => c.call.cid);

  /** Raw QueryCalls as a user (or anonymous with `userId` null), on the browser path family. */
  const queryAs = async (userId: string | null, body: unknown, claims: Record<string, unknown> = {}) => {
    const token = userId === null ? null : await node().userToken(userId, claims);
    const headers: Record<string, string> = userId === null ? { 'stream-auth-type': 'anonymous' } : {};
    return raw(node(), 'POST', '/video/calls', { token, headers, body });
  };

  before(async () => {
    const c = client();
    await c.upsertUsers([
      { id: 'alice', name: 'Alice Liddell' },
      { id: 'bob', name: 'Bob Dylan' },
      { id: 'carol', name: 'Carol King', role: 'admin' },
      { id: 'dave', name: 'Dave Brubeck' },
      { id: 'erin', name: 'Erin Alice Moran' },
    ]);
    const create = (type: string, id: string, data: Record<string, unknown> = {}) =>
      c.video.call(type, id).getOrCreate({ data: { created_by_id: 'alice', ...data } });
    // Ascending cid order (see the header). audio_room and livestream start in backstage; default does not.
    await create('audio_room', 'q1', { starts_at: at(120) });
    await create('default', 'q2', { starts_at: at(10) });
    await create('default', 'q3', {
      starts_at: at(24 * 60),
      members: [
        { user_id: 'alice', role: 'admin' },
        { user_id: 'bob' },
        { user_id: 'carol', role: 'admin' },
        { user_id: 'dave' },
      ],
    });
    await create('default', 'q4');
    await create('livestream', 'q5');
  });

  it('queryCalls(): default sort created_at descending', async () => {
    const page = await client().video.queryCalls();
    assert.deepEqual(cids(page), ['livestream:q5', 'default:q4', 'default:q3', 'default:q2', 'audio_room:q1']);
    assert.equal(page.next, undefined);
    assert.equal(page.prev, undefined);
    const q3 = page.calls.find((e) => e.call.cid === 'default:q3');
    assert.deepEqual(q3?.members.map((m) => m.user_id).sort(), ['alice', 'bob', 'carol', 'dave']);
    assert.equal(q3?.members.find((m) => m.user_id === 'alice')?.user.name, 'Alice Liddell');
    assert.ok(q3?.own_capabilities.includes('end-call'), 'the server token holds every capability');
    assert.equal(q3?.call.created_by.id, 'alice');
  });

  it('sort starts_at descending, limit 2, then next (calls without starts_at last) and back with prev', async () => {
    const video = client().video;
    const sort = [{ field: 'starts_at', direction: -1 as const }];
    const page1 = await video.queryCalls({ sort, limit: 2 });
    assert.deepEqual(cids(page1), ['default:q3', 'audio_room:q1']);
    assert.equal(page1.prev, undefined, 'the first page has no prev');
    assert.ok(page1.next);
    const page2 = await video.queryCalls({ sort, limit: 2, next: page1.next });
    assert.deepEqual(cids(page2), ['default:q2', 'livestream:q5']);
    const page3 = await video.queryCalls({ sort, limit: 2, next: page2.next });
    assert.deepEqual(cids(page3), ['default:q4']);
    assert.equal(page3.next, undefined, 'the last page has no next');
    const back = await video.queryCalls({ sort, limit: 2, prev: page3.prev });
    assert.deepEqual(cids(back), ['default:q2', 'livestream:q5']);
  });

  it('live: backstage $eq false', async () => {
    const page = await client().video.queryCalls({ filter_conditions: { backstage: { $eq: false } } });
    assert.deepEqual(cids(page), ['default:q4', 'default:q3', 'default:q2']);
  });

  it('upcoming: starts_at $gt in 30 minutes', async () => {
    const page = await client().video.queryCalls({ filter_conditions: { starts_at: { $gt: in30min.toISOString() } } });
    assert.deepEqual(cids(page), ['default:q3', 'audio_room:q1']);
  });

  it('ongoing $eq true: a call somebody joined', async () => {
    const video = client().video;
    assert.deepEqual(cids(await video.queryCalls({ filter_conditions: { ongoing: { $eq: true } } })), []);
    const joined = await raw(node(), 'POST', '/video/call/default/q4/join', {
      token: await node().userToken('dave'),
      body: {},
    });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const page = await video.queryCalls({ filter_conditions: { ongoing: { $eq: true } } });
    assert.deepEqual(cids(page), ['default:q4']);
    assert.deepEqual(
      page.calls[0]?.call.session?.participants.map((p) => p.user.id),
      ['dave'],
    );
  });

  it('call.queryMembers: sort user_id ascending, limit 2, then next', async () => {
    const call = client().video.call('default', 'q3');
    const page1 = await call.queryMembers({ sort: [{ field: 'user_id', direction: 1 }], limit: 2 });
    assert.deepEqual(
      page1.members.map((m) => m.user_id),
      ['alice', 'bob'],
    );
    assert.equal(page1.members[0]?.user.name, 'Alice Liddell');
    assert.equal(page1.members[0]?.role, 'admin');
    const page2 = await call.queryMembers({ sort: [{ field: 'user_id', direction: 1 }], limit: 2, next: page1.next });
    assert.deepEqual(
      page2.members.map((m) => m.user_id),
      ['carol', 'dave'],
    );
    assert.equal(page2.next, undefined);
  });

  it('call.queryMembers: role $eq admin (default order created_at ascending)', async () => {
    const call = client().video.call('default', 'q3');
    const page = await call.queryMembers({ filter_conditions: { role: { $eq: 'admin' } } });
    assert.deepEqual(
      page.members.map((m) => m.user_id),
      ['alice', 'carol'],
    );
    const same = await client().video.queryCallMembers({
      type: 'default',
      id: 'q3',
      filter_conditions: { role: 'admin' },
    });
    assert.deepEqual(same.members, page.members);
  });

  it('a user token sees only the calls it may read: readable types, memberships, not where blocked', async () => {
    const c = client();
    await c.video.createCallType({ name: 'private_q', grants: { call_member: ['read-call', 'join-call'] } });
    await c.video
      .call('private_q', 'v1')
      .getOrCreate({ data: { created_by_id: 'alice', members: [{ user_id: 'bob' }] } });
    await c.video.call('private_q', 'v2').getOrCreate({ data: { created_by_id: 'alice' } });
    const onlyPrivate = { filter_conditions: { type: 'private_q' } };

    assert.deepEqual(cids(await c.video.queryCalls(onlyPrivate)), ['private_q:v2', 'private_q:v1']);
    const bob = await queryAs('bob', onlyPrivate);
    assert.equal(bob.status, 200, JSON.stringify(bob.body));
    assert.deepEqual(cids(bob.body as Json), ['private_q:v1'], 'a member reads the call');
    const entry = (bob.body as Json).calls[0];
    assert.ok(entry.own_capabilities.includes('read-call'));
    assert.ok(!entry.own_capabilities.includes('end-call'));
    assert.equal(entry.membership?.user_id, 'bob');
    assert.deepEqual(cids((await queryAs('erin', onlyPrivate)).body as Json), [], 'no role grant, no membership');

    // Readable by role: every default call. Blocked from one: that one disappears.
    const defaults = { filter_conditions: { type: { $eq: 'default' } } };
    assert.deepEqual(cids((await queryAs('erin', defaults)).body as Json), ['default:q4', 'default:q3', 'default:q2']);
    await c.video.call('default', 'q2').blockUser({ user_id: 'erin' });
    try {
      assert.deepEqual(cids((await queryAs('erin', defaults)).body as Json), ['default:q4', 'default:q3']);
    } finally {
      await c.video.call('default', 'q2').unblockUser({ user_id: 'erin' });
    }

    // A token scoped to some calls sees only those.
    const scoped = await queryAs('bob', {}, { call_cids: ['default:q3', 'private_q:v2'] });
    assert.deepEqual(cids(scoped.body as Json), ['default:q3']);

    // Anonymous: the types granting `anonymous` read-call (livestream).
    const anonymous = await queryAs(null, {});
    assert.equal(anonymous.status, 200, JSON.stringify(anonymous.body));
    assert.deepEqual(cids(anonymous.body as Json), ['livestream:q5']);

    // QueryCallMembers needs read-call on the call.
    const members = { type: 'private_q', id: 'v1' };
    const asErin = await raw(node(), 'POST', '/video/call/members', {
      token: await node().userToken('erin'),
      body: members,
    });
    assertApiError(asErin, 403, 17, { operation: 'QueryCallMembers' });
    const asBob = await raw(node(), 'POST', '/video/call/members', {
      token: await node().userToken('bob'),
      body: members,
    });
    assert.equal(asBob.status, 200);
    assert.deepEqual(
      (asBob.body as Json).members.map((m: Json) => m.user_id),
      ['bob'],
    );
  });

  it('watch: true with a connection id subscribes the connection to every returned call', async () => {
    const socket = await TestSocket.connect(node(), 'erin', { details: { name: 'Erin Alice Moran' } });
    try {
      const watched = await queryAs('erin', {
        filter_conditions: { cid: { $in: ['default:q3', 'default:q2'] } },
        watch: true,
        connection_id: socket.connectionId,
      });
      assert.equal(watched.status, 200, JSON.stringify(watched.body));
      await client()
        .video.call('default', 'q3')
        .update({ custom: { topic: 'watched' } });
      const event = await socket.event('call.updated', 'default:q3');
      assert.deepEqual(event.call.custom, { topic: 'watched' });
      // Not watched: q4 was not returned.
      await client()
        .video.call('default', 'q4')
        .update({ custom: { topic: 'unwatched' } });
      await socket.assertNoEvent('default:q4');
    } finally {
      await socket.close();
    }
    const ignored = await queryAs('erin', { watch: true });
    assert.equal(ignored.status, 200, 'watch without a connection id is ignored');
    const unknown = await raw(node(), 'POST', '/api/v2/video/calls', {
      body: { watch: true },
      query: { connection_id: 'no-such-connection' },
    });
    assertApiError(unknown, 400, 4, { field: 'connection_id', operation: 'QueryCalls' });
  });

  it('bad input is a 400 with code 4 naming the field, on both path families', async () => {
    const cases: [unknown, string][] = [
      [{ filter_conditions: { colour: 'red' } }, 'filter_conditions.colour'],
      [{ filter_conditions: { backstage: { $gt: true } } }, 'filter_conditions.backstage'],
      [{ filter_conditions: { id: { $regex: 'q' } } }, 'filter_conditions.id'],
      [{ filter_conditions: { starts_at: { $gt: 'soon' } } }, 'filter_conditions.starts_at'],
      [{ filter_conditions: { $or: { id: 'q1' } } }, 'filter_conditions.$or'],
      [{ filter_conditions: { type: { $in: 'default' } } }, 'filter_conditions.type'],
      [{ limit: 101 }, 'limit'],
      [{ limit: 0 }, 'limit'],
      [{ sort: [{ field: 'colour', direction: 1 }] }, 'sort[0].field'],
      [{ sort: [{ field: 'starts_at', direction: 2 }] }, 'sort[0].direction'],
      [{ next: 'forged.cursor' }, 'next'],
    ];
    for (const path of ['/video/calls', '/api/v2/video/calls']) {
      for (const [body, field] of cases) {
        const res = await raw(node(), 'POST', path, { body });
        assertApiError(res, 400, 4, { field, operation: 'QueryCalls' });
      }
    }
    // A real cursor with one character changed, and a real cursor sent with another sort.
    const { next = '' } = await client().video.queryCalls({ limit: 1 });
    const flipped = `${next.slice(0, -2)}${next.at(-2) === 'A' ? 'B' : 'A'}${next.at(-1)}`;
    assertApiError(await raw(node(), 'POST', '/video/calls', { body: { limit: 1, next: flipped } }), 400, 4, {
      field: 'next',
    });
    const otherSort = { limit: 1, next, sort: [{ field: 'id', direction: 1 }] };
    assertApiError(await raw(node(), 'POST', '/video/calls', { body: otherSort }), 400, 4, { field: 'next' });
    // The SDK surfaces the same error.
    await assert.rejects(
      () => client().video.queryCalls({ limit: 101 }),
      (err: unknown) => err instanceof SwitchboardError && err.code === 4 && 'limit' in err.exceptionFields,
    );

    const members = async (body: unknown) => raw(node(), 'POST', '/video/call/members', { body });
    assertApiError(await members({ type: 'default', id: 'q3', filter_conditions: { name: 'x' } }), 400, 4, {
      field: 'filter_conditions.name',
      operation: 'QueryCallMembers',
    });
    assertApiError(await members({ type: 'default', id: 'q3', limit: 101 }), 400, 4, { field: 'limit' });
    assertApiError(await members({ id: 'q3' }), 400, 4, { field: 'type' });
    assertApiError(await members({ type: 'default', id: 'nope' }), 404, 16, { operation: 'QueryCallMembers' });
    assertApiError(await members({ type: 'nope', id: 'q3' }), 404, 16);
    const q2Cursor = (await client().video.call('default', 'q3').queryMembers({ limit: 1 })).next;
    assertApiError(await members({ type: 'default', id: 'q2', next: q2Cursor }), 400, 4, { field: 'next' });
  });

  it('queryUsers by name and role', async () => {
    const c = client();
    const ids = async (payload: Parameters<typeof c.queryUsers>[0]) =>
      (await c.queryUsers(payload)).users.map((u) => u.id);
    assert.deepEqual(await ids({ filter_conditions: { name: { $autocomplete: 'ali' } } }), ['alice', 'erin']);
    assert.deepEqual(await ids({ filter_conditions: { name: { $q: 'lid' } } }), ['alice']);
    assert.deepEqual(await ids({ filter_conditions: { name: 'Bob Dylan' } }), ['bob']);
    assert.deepEqual(await ids({ filter_conditions: { role: { $eq: 'admin' } } }), ['carol']);
    assert.deepEqual(await ids({ filter_conditions: { role: 'user', id: { $in: ['alice', 'carol', 'dave'] } } }), [
      'alice',
      'dave',
    ]);
    const sort = [{ field: 'id', direction: -1 as const }];
    const page1 = await c.queryUsers({ filter_conditions: { role: 'user' }, sort, limit: 2 });
    assert.deepEqual(
      page1.users.map((u) => u.id),
      ['erin', 'dave'],
    );
    const page2 = await c.queryUsers({ filter_conditions: { role: 'user' }, sort, limit: 2, next: page1.next });
    assert.deepEqual(
      page2.users.map((u) => u.id),
      ['bob', 'alice'],
    );
    const query = (payload: unknown) =>
      raw(node(), 'GET', '/api/v2/users', { query: { payload: JSON.stringify(payload) } });
    assertApiError(await query({ filter_conditions: { nickname: 'x' } }), 400, 4, {
      field: 'filter_conditions.nickname',
      operation: 'QueryUsers',
    });
    assertApiError(await query({ filter_conditions: { role: { $gt: 'a' } } }), 400, 4, {
      field: 'filter_conditions.role',
    });
    assertApiError(await query({ limit: 101 }), 400, 4, { field: 'limit' });
    assertApiError(await query([]), 400, 4, { field: 'payload' });
  });
});
