/**
 * User ids named after Object.prototype members (`__proto__`, `constructor`, `toString`, `hasOwnProperty`) are
 * valid user ids, and user ids key maps: the upsert request and response, the ring's callees, the session's
 * `accepted_by` / `rejected_by` / `missed_by`. On a plain object `map['__proto__'] = v` sets the prototype instead
 * of an entry (the answer was lost, the callee never rang, its ring never timed out) and `map['constructor']` is
 * always set. These users must be created, be members, be rung, answer, miss, be blocked and pinned, and be queried
 * like any other, with the exact answers.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Call, CallSession } from '@switchboard/protocol';
import { asUser, eachRealtimeDatabase, TestSocket, uid } from '../realtime/support.js';
import { raw } from '../support/raw-http.js';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const;
const [PROTO, CONSTRUCTOR, TO_STRING, HAS_OWN] = HOSTILE;
/** Rings that time out quickly, for the missed-by-timeout case. */
const FAST = 'protofast';
/** Rings that never time out: answers and cancels decide everything, no timer races the test. */
const NEVER = 'protonever';

const sorted = (ids: Iterable<string>) => [...ids].sort();
/** The own keys of an answer map (JSON.parse defines own properties, even `__proto__`). */
const answered = (map: Record<string, unknown> | undefined) => sorted(Object.keys(map ?? {}));
const memberIds = (members: unknown) => sorted((members as { user_id: string }[]).map((m) => m.user_id));

eachRealtimeDatabase('adversarial: prototype-named user ids', {}, (node) => {
  let caller = '';
  const sockets = new Map<string, TestSocket>();

  before(async () => {
    const t = node();
    for (const [name, ms] of [
      [FAST, 300],
      [NEVER, 0],
    ] as const) {
      const res = await raw(t, 'POST', '/api/v2/video/calltypes', {
        body: {
          name,
          grants: {
            user: ['create-call', 'read-call', 'join-call'],
            call_member: ['read-call', 'join-call', 'pin-for-everyone', 'block-users'],
          },
          settings: { ring: { incoming_call_timeout_ms: ms, auto_cancel_timeout_ms: ms } },
        },
      });
      assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    }
    caller = uid('caller');
    const users = Object.fromEntries([caller, ...HOSTILE].map((id) => [id, { id, name: `name of ${id}` }]));
    // JSON.stringify writes own `__proto__` properties (Object.fromEntries made them own), so the body has all five.
    const created = await raw(t, 'POST', '/api/v2/users', { body: { users } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    for (const id of HOSTILE) sockets.set(id, await TestSocket.connect(t, id));
    sockets.set(caller, await TestSocket.connect(t, caller));
  });

  const socket = (id: string) => sockets.get(id) as TestSocket;

  async function newCall(type: string): Promise<{ cid: string; path: string }> {
    const id = uid('call');
    const path = `/video/call/${type}/${id}`;
    const res = await asUser(node(), caller, 'POST', path, {
      data: { members: [caller, ...HOSTILE].map((user_id) => ({ user_id })) },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(memberIds(res.body.members), sorted([caller, ...HOSTILE]));
    return { cid: `${type}:${id}`, path };
  }

  async function session(path: string): Promise<CallSession> {
    const got = await asUser(node(), caller, 'GET', path);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const s = (got.body.call as Call).session;
    assert.ok(s, 'the call has a session');
    return s;
  }

  it('are created, updated and queried, each under its own key', async () => {
    const t = node();
    const users = Object.fromEntries(HOSTILE.map((id) => [id, { id, name: `again ${id}`, custom: { k: id } }]));
    const upserted = await raw(t, 'POST', '/api/v2/users', { body: { users } });
    assert.equal(upserted.status, 200, JSON.stringify(upserted.body));
    const byId = upserted.body.users as Record<string, { id: string; name: string }>;
    assert.deepEqual(answered(byId), sorted(HOSTILE));
    for (const id of HOSTILE) assert.equal(byId[id]?.name, `again ${id}`);

    const partial = await raw(t, 'PATCH', '/api/v2/users', {
      body: { users: HOSTILE.map((id) => ({ id, set: { name: `patched ${id}` } })) },
    });
    assert.equal(partial.status, 200, JSON.stringify(partial.body));
    const patched = partial.body.users as Record<string, { id: string; name: string }>;
    assert.deepEqual(answered(patched), sorted(HOSTILE));
    for (const id of HOSTILE) assert.deepEqual([patched[id]?.id, patched[id]?.name], [id, `patched ${id}`]);

    const payload = JSON.stringify({ filter_conditions: { id: { $in: HOSTILE } }, sort: [{ field: 'id' }] });
    const queried = await raw(t, 'GET', '/api/v2/users', { query: { payload } });
    assert.equal(queried.status, 200, JSON.stringify(queried.body));
    const found = queried.body.users as { id: string; name: string; custom: { k: string } }[];
    assert.deepEqual(
      found.map((u) => [u.id, u.name, u.custom.k]),
      sorted(HOSTILE).map((id) => [id, `patched ${id}`, id]),
    );
  });

  it('are rung, accept and reject: the session records exactly who answered what', async () => {
    const t = node();
    const { cid, path } = await newCall(NEVER);
    const rung = await asUser(t, caller, 'POST', `${path}/ring`, {});
    assert.equal(rung.status, 200, JSON.stringify(rung.body));
    assert.deepEqual(sorted(rung.body.members_ids as string[]), sorted(HOSTILE));
    for (const id of HOSTILE) {
      const ring = await socket(id).event('call.ring', cid);
      assert.deepEqual(memberIds(ring.members), sorted(HOSTILE), `call.ring to ${id}`);
    }
    const before = await session(path);
    assert.deepEqual([before.accepted_by, before.rejected_by, before.missed_by], [{}, {}, {}]);

    for (const [id, answer] of [
      [CONSTRUCTOR, 'accept'],
      [PROTO, 'reject'],
      [TO_STRING, 'accept'],
    ] as const) {
      const res = await asUser(t, id, 'POST', `${path}/${answer}`, {});
      assert.equal(res.status, 200, `${id} ${answer}: ${JSON.stringify(res.body)}`);
      const event = await socket(caller).next(
        (m) => m.call_cid === cid && m.type === `call.${answer}ed` && (m.user as { id: string }).id === id,
        `call.${answer}ed by ${id}`,
      );
      assert.equal((event.user as { id: string }).id, id);
    }
    const middle = await session(path);
    assert.deepEqual(answered(middle.accepted_by), sorted([CONSTRUCTOR, TO_STRING]));
    assert.deepEqual(answered(middle.rejected_by), [PROTO]);
    assert.deepEqual(middle.missed_by, {});

    // The last callee ringing: the ring ends answered with its reject, nobody missed anything.
    const last = await asUser(t, HAS_OWN, 'POST', `${path}/reject`, { reason: 'busy' });
    assert.equal(last.status, 200, JSON.stringify(last.body));
    const rejected = await socket(caller).next(
      (m) => m.call_cid === cid && m.type === 'call.rejected' && (m.user as { id: string }).id === HAS_OWN,
      'call.rejected by hasOwnProperty',
    );
    assert.equal(rejected.reason, 'busy');
    const fromEvent = (rejected.call as Call).session;
    const listed = await asUser(t, CONSTRUCTOR, 'POST', '/video/calls', { filter_conditions: { cid } });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const fromQuery = (listed.body.calls as { call: Call }[])[0]?.call.session;
    // GetCall, QueryCalls (as `constructor`) and the event all show the same answers.
    for (const after of [await session(path), fromQuery, fromEvent]) {
      assert.deepEqual(answered(after?.accepted_by), sorted([CONSTRUCTOR, TO_STRING]));
      assert.deepEqual(answered(after?.rejected_by), sorted([PROTO, HAS_OWN]));
      assert.deepEqual(after?.missed_by, {});
    }
    await socket(caller).assertNoEvent(cid, (m) => m.type === 'call.missed', 'nobody missed an answered ring');
  });

  it('miss a ring the caller cancels, except the one who accepted', async () => {
    const t = node();
    const { cid, path } = await newCall(NEVER);
    assert.equal((await asUser(t, caller, 'POST', `${path}/ring`, {})).status, 200);
    await socket(PROTO).event('call.ring', cid);
    assert.equal((await asUser(t, PROTO, 'POST', `${path}/accept`, {})).status, 200);
    assert.equal((await asUser(t, caller, 'POST', `${path}/reject`, { reason: 'cancel' })).status, 200);
    for (const id of [CONSTRUCTOR, TO_STRING, HAS_OWN, caller]) {
      const missed = await socket(id).event('call.missed', cid);
      assert.deepEqual(memberIds(missed.members), sorted([CONSTRUCTOR, TO_STRING, HAS_OWN]), `call.missed to ${id}`);
    }
    await socket(PROTO).assertNoEvent(cid, (m) => m.type === 'call.missed', 'the callee who accepted');
    const s = await session(path);
    assert.deepEqual(answered(s.accepted_by), [PROTO]);
    assert.deepEqual(answered(s.missed_by), sorted([CONSTRUCTOR, TO_STRING, HAS_OWN]));
    assert.deepEqual(answered(s.rejected_by), [caller], 'every reject is recorded, the caller cancelling too');
  });

  it('miss a ring by timeout, each one rung alone', async () => {
    const t = node();
    for (const id of HOSTILE) {
      const { cid, path } = await newCall(FAST);
      const rung = await asUser(t, caller, 'POST', `${path}/ring`, { members_ids: [id] });
      assert.deepEqual(rung.body.members_ids, [id], JSON.stringify(rung.body));
      const sessionId = ((await asUser(t, caller, 'GET', path)).body.call as Call).current_session_id;
      const missed = await socket(caller).event('call.missed', cid, 5000);
      assert.deepEqual(memberIds(missed.members), [id]);
      await socket(id).event('call.missed', cid);
      const stored = await t.node.ctx.store.read.sessions.get(sessionId);
      assert.deepEqual(answered(JSON.parse(stored?.missed_by ?? '{}')), [id], `missed_by of the ring of ${id}`);
      assert.equal(stored?.accepted_by, '{}');
    }
  });

  it('are blocked, pinned and listed as members like anyone', async () => {
    const t = node();
    const { cid, path } = await newCall(NEVER);
    for (const id of HOSTILE) {
      const joined = await asUser(t, id, 'POST', `${path}/join`, {}, { connection_id: socket(id).connectionId });
      assert.equal(joined.status, 200, `${id} joins: ${JSON.stringify(joined.body)}`);
    }
    const s = await session(path);
    assert.deepEqual(sorted(s.participants.map((p) => p.user.id)), sorted(HOSTILE));
    const target = s.participants.find((p) => p.user.id === CONSTRUCTOR);
    assert.ok(target);
    const pin = await asUser(t, caller, 'POST', `${path}/pin`, {
      user_id: CONSTRUCTOR,
      session_id: target.user_session_id,
    });
    assert.equal(pin.status, 200, JSON.stringify(pin.body));
    assert.deepEqual(
      (await session(path)).pins.map((p) => p.user_id),
      [CONSTRUCTOR],
    );

    const block = await asUser(t, caller, 'POST', `${path}/block`, { user_id: PROTO });
    assert.equal(block.status, 200, JSON.stringify(block.body));
    const got = await asUser(t, caller, 'GET', path);
    assert.deepEqual((got.body.call as Call).blocked_user_ids, [PROTO]);
    const refused = await asUser(t, PROTO, 'POST', `${path}/accept`, {});
    assert.equal(refused.status, 403, JSON.stringify(refused.body));

    const payload = { filter_conditions: { user_id: { $in: HOSTILE } }, sort: [{ field: 'user_id' }] };
    const listed = await raw(t, 'POST', '/api/v2/video/call/members', {
      body: { type: NEVER, id: cid.slice(NEVER.length + 1), ...payload },
    });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      (listed.body.members as { user_id: string }[]).map((m) => m.user_id),
      sorted(HOSTILE),
    );
    const calls = await asUser(t, CONSTRUCTOR, 'POST', '/video/calls', {
      filter_conditions: { cid },
    });
    assert.equal(calls.status, 200, JSON.stringify(calls.body));
    assert.equal((calls.body.calls as unknown[]).length, 1);
  });

  it('create calls, change roles, are removed, and are deleted (last: the others need them)', async () => {
    const t = node();
    const id = uid('call');
    const path = `/api/v2/video/call/${NEVER}/${id}`;
    const created = await raw(t, 'POST', path, {
      body: { data: { created_by_id: HAS_OWN, members: HOSTILE.map((user_id) => ({ user_id })) } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((created.body.call as Call).created_by.id, HAS_OWN);
    const changed = await raw(t, 'POST', `${path}/members`, {
      body: { update_members: [{ user_id: CONSTRUCTOR, role: 'moderator' }], remove_members: [PROTO] },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const got = await raw(t, 'GET', path);
    assert.deepEqual(
      (got.body.members as { user_id: string; role: string }[]).map((m) => [m.user_id, m.role]).sort(),
      [
        [CONSTRUCTOR, 'moderator'],
        [HAS_OWN, 'call_member'],
        [TO_STRING, 'call_member'],
      ].sort(),
    );

    const deleted = await raw(t, 'POST', '/api/v2/users/delete', { body: { user_ids: [...HOSTILE] } });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    const payload = JSON.stringify({ filter_conditions: { id: { $in: HOSTILE } } });
    const queried = await raw(t, 'GET', '/api/v2/users', { query: { payload } });
    assert.equal(queried.status, 200, JSON.stringify(queried.body));
    assert.deepEqual(queried.body.users, []);
  });
});
