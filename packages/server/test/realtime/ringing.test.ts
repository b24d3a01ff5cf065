/**
 * Ringing over the wire: `call.ring` / `call.notification` to callees only, accept / reject, the end of a ring
 * when everyone rejected or the caller cancelled, and `call.missed` after the call type's (short) ring timeouts.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Call } from '@switchboard/protocol';
import { raw } from '../support/raw-http.js';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid } from './support.js';

const FAST = 'ringfast';
/**
 * Rings that time out, but not before a callee's accept is recorded on a loaded machine: the accept must win
 * against the callee's own timeout for the test to be about the other callee.
 */
const PATIENT = 'ringpatient';

eachRealtimeDatabase('realtime ringing', {}, (node) => {
  before(async () => {
    for (const [name, ms] of [
      [FAST, 300],
      [PATIENT, 2500],
    ] as const) {
      const res = await raw(node(), 'POST', '/api/v2/video/calltypes', {
        body: {
          name,
          grants: {
            user: ['create-call', 'read-call', 'join-call', 'send-event'],
            call_member: ['read-call', 'join-call', 'send-event', 'update-call'],
          },
          settings: { ring: { incoming_call_timeout_ms: ms, auto_cancel_timeout_ms: ms } },
        },
      });
      assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    }
  });

  /** alice calls bob and carol; everyone connected. */
  async function trio(type = 'default') {
    const t = node();
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    await seedUsers(t, alice, bob, carol);
    const [a, b, c] = await Promise.all([alice, bob, carol].map((u) => TestSocket.connect(t, u)));
    const id = uid('call');
    const path = `/video/call/${type}/${id}`;
    const close = () => Promise.all([a, b, c].map((s) => (s as TestSocket).close()));
    return {
      t,
      alice,
      bob,
      carol,
      a: a as TestSocket,
      b: b as TestSocket,
      c: c as TestSocket,
      id,
      path,
      cid: `${type}:${id}`,
      close,
    };
  }

  async function ringOnCreate(r: Awaited<ReturnType<typeof trio>>, extra: Record<string, unknown> = { ring: true }) {
    const res = await asUser(r.t, r.alice, 'POST', r.path, {
      data: { members: [r.alice, r.bob, r.carol].map((user_id) => ({ user_id })) },
      ...extra,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.call as Call;
  }

  it('rings the other members on GetOrCreateCall with ring: true, never the caller', async () => {
    const r = await trio();
    const call = await ringOnCreate(r, { ring: true, video: true });
    assert.notEqual(call.current_session_id, '', 'a ring makes a session current');
    for (const socket of [r.b, r.c]) {
      const ring = await socket.event('call.ring', r.cid);
      assert.equal(ring.session_id, call.current_session_id);
      assert.equal((ring.user as { id: string }).id, r.alice);
      assert.equal(ring.video, true);
      assert.deepEqual((ring.members as { user_id: string }[]).map((m) => m.user_id).sort(), [r.bob, r.carol].sort());
    }
    await r.a.assertNoEvent(r.cid, (m) => m.type === 'call.ring', 'the caller');
    await r.close();
  });

  it('notifies the other members with notify: true', async () => {
    const r = await trio();
    await ringOnCreate(r, { notify: true });
    const note = await r.b.event('call.notification', r.cid);
    assert.equal((note.user as { id: string }).id, r.alice);
    await r.c.event('call.notification', r.cid);
    await r.a.assertNoEvent(r.cid, (m) => m.type === 'call.notification' || m.type === 'call.ring', 'the caller');
    await r.b.assertNoEvent(r.cid, (m) => m.type === 'call.ring', 'a notified member');
    await r.close();
  });

  it('Ring rings the listed members only and answers with them', async () => {
    const r = await trio();
    await ringOnCreate(r, {});
    const res = await asUser(r.t, r.alice, 'POST', `${r.path}/ring`, { members_ids: [r.bob] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.members_ids, [r.bob]);
    await r.b.event('call.ring', r.cid);
    await r.c.assertNoEvent(r.cid, (m) => m.type === 'call.ring', 'a member not listed');
    // Server-side: the caller is named in the body.
    const server = await raw(r.t, 'POST', `/api/v2/video/call/default/${r.id}/ring`, {
      body: { user_id: r.alice, members_ids: [r.carol] },
    });
    assert.equal(server.status, 200, JSON.stringify(server.body));
    await r.c.event('call.ring', r.cid);
    await r.close();
  });

  it('refuses to ring non-members and rings by non-members', async () => {
    const r = await trio();
    const outsider = uid('outsider');
    await seedUsers(r.t, outsider);
    await ringOnCreate(r, {});
    const notMember = await asUser(r.t, r.alice, 'POST', `${r.path}/ring`, { members_ids: [outsider] });
    assert.equal(notMember.status, 400);
    assert.ok((notMember.body.exception_fields as Record<string, string>)['members_ids[0]']);
    const byOutsider = await asUser(r.t, outsider, 'POST', `${r.path}/ring`, {});
    assert.equal(byOutsider.status, 403);
    const created = await asUser(r.t, outsider, 'POST', `/video/call/default/${uid('call')}`, {
      ring: true,
      data: { members: [{ user_id: r.bob }] },
    });
    assert.equal(created.status, 403, 'a caller missing from the members is refused before the call is created');
    await r.close();
  });

  it('accept: call.accepted reaches the caller and the session records it', async () => {
    const r = await trio();
    await ringOnCreate(r);
    assert.equal((await asUser(r.t, r.bob, 'POST', `${r.path}/accept`, {})).status, 200);
    for (const socket of [r.a, r.b, r.c]) {
      const accepted = await socket.event('call.accepted', r.cid);
      assert.equal((accepted.user as { id: string }).id, r.bob);
    }
    const got = await asUser(r.t, r.alice, 'GET', r.path);
    const session = (got.body.call as Call).session;
    assert.ok(session?.accepted_by[r.bob], JSON.stringify(session));
    await r.close();
  });

  it('reject by everyone ends the ring and the session nobody joined', async () => {
    const r = await trio();
    const call = await ringOnCreate(r);
    const sessionId = call.current_session_id;
    const byBob = await asUser(r.t, r.bob, 'POST', `${r.path}/reject`, { reason: 'busy' });
    assert.equal(byBob.status, 200);
    const rejected = await r.a.event('call.rejected', r.cid);
    assert.equal((rejected.user as { id: string }).id, r.bob);
    assert.equal(rejected.reason, 'busy');
    assert.ok(rejected.call.session?.rejected_by[r.bob]);
    assert.equal(rejected.call.current_session_id, sessionId, 'carol is still ringing');
    await asUser(r.t, r.carol, 'POST', `${r.path}/reject`, {});
    const last = await r.a.next(
      (m) => m.type === 'call.rejected' && (m.user as { id: string }).id === r.carol,
      'carol',
    );
    assert.equal((last.call as Call).current_session_id, '', 'the ring ended: its session is no longer current');
    const session = await r.t.node.ctx.store.read.sessions.get(sessionId);
    assert.ok(session?.ended_at);
    assert.deepEqual(Object.keys(JSON.parse(session.rejected_by)).sort(), [r.bob, r.carol].sort());
    await r.a.assertNoEvent(r.cid, (m) => m.type === 'call.session_ended' || m.type === 'call.missed', 'caller');
    await r.close();
  });

  it('the caller rejecting cancels: ringing callees get call.rejected and call.missed', async () => {
    const r = await trio();
    await ringOnCreate(r);
    await asUser(r.t, r.bob, 'POST', `${r.path}/accept`, {});
    await asUser(r.t, r.alice, 'POST', `${r.path}/reject`, { reason: 'cancel' });
    const cancelled = await r.c.event('call.rejected', r.cid);
    assert.equal((cancelled.user as { id: string }).id, r.alice);
    const missed = await r.c.event('call.missed', r.cid);
    assert.deepEqual(
      (missed.members as { user_id: string }[]).map((m) => m.user_id),
      [r.carol],
    );
    await r.b.assertNoEvent(r.cid, (m) => m.type === 'call.missed', 'a callee who accepted');
    await r.close();
  });

  it('nobody answering within the ring timeouts: call.missed to the callees and the caller', async () => {
    const r = await trio(FAST);
    const call = await ringOnCreate(r);
    for (const socket of [r.b, r.c, r.a]) {
      const missed = await socket.event('call.missed', r.cid, 3000);
      assert.equal(missed.session_id, call.current_session_id);
      assert.equal((missed.user as { id: string }).id, r.alice);
      assert.deepEqual((missed.members as { user_id: string }[]).map((m) => m.user_id).sort(), [r.bob, r.carol].sort());
      assert.equal(missed.notify_user, true);
      assert.equal(missed.call.current_session_id, '', 'the unanswered ring ended its session');
    }
    const session = await r.t.node.ctx.store.read.sessions.get(call.current_session_id);
    assert.deepEqual(Object.keys(JSON.parse(session?.missed_by ?? '{}')).sort(), [r.bob, r.carol].sort());
    await r.close();
  });

  it('after an accept, the callee who did not answer misses the call; the session stays', async () => {
    const r = await trio(PATIENT);
    await ringOnCreate(r);
    await asUser(r.t, r.bob, 'POST', `${r.path}/accept`, {});
    const missed = await r.c.event('call.missed', r.cid, 8000);
    assert.deepEqual(
      (missed.members as { user_id: string }[]).map((m) => m.user_id),
      [r.carol],
    );
    await r.a.event('call.missed', r.cid);
    await r.b.assertNoEvent(r.cid, (m) => m.type === 'call.missed', 'a callee who accepted');
    const got = await asUser(r.t, r.alice, 'GET', r.path);
    const session = (got.body.call as Call).session;
    assert.ok(session?.missed_by[r.carol]);
    assert.ok(session?.accepted_by[r.bob]);
    await r.close();
  });

  it('JoinCall with ring: true joins first, then rings the others', async () => {
    const r = await trio();
    const res = await asUser(
      r.t,
      r.alice,
      'POST',
      `${r.path}/join`,
      { create: true, ring: true, data: { members: [r.alice, r.bob, r.carol].map((user_id) => ({ user_id })) } },
      { connection_id: r.a.connectionId },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const ring = await r.b.event('call.ring', r.cid);
    assert.equal(ring.session_id, (res.body.call as Call).current_session_id, 'the ring uses the joined session');
    assert.deepEqual((ring.members as { user_id: string }[]).map((m) => m.user_id).sort(), [r.bob, r.carol].sort());
    await r.a.event('call.session_participant_joined', r.cid);
    await r.close();
  });

  it('accept / reject need membership', async () => {
    const r = await trio();
    const outsider = uid('outsider');
    await seedUsers(r.t, outsider);
    const call = await createCall(r.t, r.alice, [r.alice, r.bob]);
    assert.equal((await asUser(r.t, outsider, 'POST', `${call.path}/accept`, {})).status, 403);
    assert.equal((await asUser(r.t, outsider, 'POST', `${call.path}/reject`, {})).status, 403);
    const server = await raw(r.t, 'POST', `/api/v2${call.path}/accept`, { body: {} });
    assert.equal(server.status, 400, 'a server token names the user');
    await r.close();
  });
});
