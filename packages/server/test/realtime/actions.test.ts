/**
 * Call actions and their events: custom events (send-event), pin / unpin for everyone, block / unblock,
 * go live / stop live.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Call } from '@switchboard/protocol';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid } from './support.js';

async function serverCreate(t: TestNode, type: string, owner: string, members: string[]) {
  const id = uid('call');
  const path = `/video/call/${type}/${id}`;
  const res = await raw(t, 'POST', path, {
    body: { data: { created_by_id: owner, members: members.map((user_id) => ({ user_id })) } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { cid: `${type}:${id}`, id, path };
}

eachRealtimeDatabase('realtime call actions', {}, (node) => {
  async function duo(type = 'default') {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call =
      type === 'default'
        ? await createCall(t, owner, [owner, member])
        : await serverCreate(t, type, owner, [owner, member]);
    const ownerWs = await TestSocket.connect(t, owner);
    const memberWs = await TestSocket.connect(t, member);
    const close = () => Promise.all([ownerWs.close(), memberWs.close()]);
    return { t, owner, member, call, ownerWs, memberWs, close };
  }

  it('SendCallEvent delivers `custom` with the sender and the payload', async () => {
    const d = await duo();
    const res = await asUser(d.t, d.member, 'POST', `${d.call.path}/event`, { custom: { emoji: '👋', n: 1 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const socket of [d.ownerWs, d.memberWs]) {
      const event = await socket.event('custom', d.call.cid);
      assert.deepEqual(event.custom, { emoji: '👋', n: 1 });
      assert.equal((event.user as { id: string }).id, d.member);
      assert.equal(event.call.cid, d.call.cid);
    }
    await d.close();
  });

  it('SendCallEvent needs send-event and a small payload; a server token may name no sender', async () => {
    const d = await duo();
    const outsider = uid('outsider');
    await seedUsers(d.t, outsider);
    const grants = await raw(d.t, 'POST', '/api/v2/video/calltypes', {
      body: { name: uid('quiet').replace(/-/g, '_').toLowerCase(), grants: { user: ['create-call', 'read-call'] } },
    });
    assert.ok(grants.status < 300, JSON.stringify(grants.body));
    const quiet = await createCall(d.t, d.owner, [d.owner], {}, grants.body.name as string);
    const denied = await asUser(d.t, d.owner, 'POST', `${quiet.path}/event`, { custom: {} });
    assert.equal(denied.status, 403);
    const server = await raw(d.t, 'POST', `${d.call.path}/event`, { body: { custom: { from: 'backend' } } });
    assert.equal(server.status, 200, 'a server token may name no sender');
    const fromServer = await d.memberWs.event('custom', d.call.cid);
    assert.deepEqual(fromServer.custom, { from: 'backend' });
    assert.equal((fromServer.user as { id: string }).id, d.owner, "the call's creator appears as the sender");
    const big = await asUser(d.t, d.owner, 'POST', `${d.call.path}/event`, { custom: { blob: 'x'.repeat(6000) } });
    assert.equal(big.status, 400);
    assert.ok((big.body.exception_fields as Record<string, string>).custom);
    await d.close();
  });

  it('pin / unpin for everyone: events with session and user ids, and the session lists pins', async () => {
    const d = await duo();
    const join = await asUser(d.t, d.member, 'POST', `${d.call.path}/join`, {});
    assert.equal(join.status, 200);
    const participant = (join.body.call as Call).session?.participants.find((p) => p.user.id === d.member);
    assert.ok(participant);
    const pin = { session_id: participant.user_session_id, user_id: d.member };
    const denied = await asUser(d.t, d.member, 'POST', `${d.call.path}/pin`, pin);
    assert.equal(denied.status, 403, 'call members lack pin-for-everyone on default');
    const pinned = await raw(d.t, 'POST', `${d.call.path}/pin`, { body: pin });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    const event = await d.memberWs.event('call.pinned', d.call.cid);
    assert.equal(event.session_id, pin.session_id);
    assert.equal(event.user_id, d.member);
    const state = await asUser(d.t, d.owner, 'GET', d.call.path);
    const pins = (state.body.call as Call).session?.pins ?? [];
    assert.deepEqual(
      pins.map((p) => [p.session_id, p.user_id]),
      [[pin.session_id, d.member]],
    );
    const unknown = await raw(d.t, 'POST', `${d.call.path}/pin`, { body: { session_id: 'nope', user_id: d.member } });
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.body.message), /user_session_id/, 'the error says what session_id must be');
    assert.ok((unknown.body.exception_fields as Record<string, string>).session_id);
    assert.equal((await raw(d.t, 'POST', `${d.call.path}/unpin`, { body: pin })).status, 200);
    const unpinned = await d.ownerWs.event('call.unpinned', d.call.cid);
    assert.equal(unpinned.session_id, pin.session_id);
    assert.deepEqual(unpinned.call.session?.pins, []);
    await d.close();
  });

  it('block: the user loses capabilities, leaves, and hears nothing more of the call until unblocked', async () => {
    const d = await duo();
    assert.equal((await asUser(d.t, d.member, 'POST', `${d.call.path}/join`, {})).status, 200);
    assert.equal((await asUser(d.t, d.member, 'POST', `${d.call.path}/block`, { user_id: d.owner })).status, 403);
    const block = await raw(d.t, 'POST', `${d.call.path}/block`, { body: { user_id: d.member } });
    assert.equal(block.status, 200, JSON.stringify(block.body));
    const blocked = await d.memberWs.event('call.blocked_user', d.call.cid);
    assert.equal((blocked.user as { id: string }).id, d.member);
    assert.deepEqual(blocked.call.blocked_user_ids, [d.member]);
    const left = await d.ownerWs.event('call.session_participant_left', d.call.cid);
    assert.equal((left.participant as { user: { id: string } }).user.id, d.member);
    const view = await asUser(d.t, d.member, 'GET', d.call.path);
    assert.equal(view.status, 403, 'a blocked user cannot even read the call');
    await raw(d.t, 'POST', `${d.call.path}/event`, { body: { custom: { after: 'block' }, user_id: d.owner } });
    await d.ownerWs.event('custom', d.call.cid);
    await d.memberWs.assertNoEvent(
      d.call.cid,
      (m) => m.type === 'custom' || m.type === 'call.session_participant_left',
      'a blocked user',
    );
    assert.equal((await raw(d.t, 'POST', `${d.call.path}/unblock`, { body: { user_id: d.member } })).status, 200);
    const unblocked = await d.memberWs.event('call.unblocked_user', d.call.cid);
    assert.deepEqual(unblocked.call.blocked_user_ids, []);
    assert.equal((await asUser(d.t, d.member, 'GET', d.call.path)).status, 200);
    await d.close();
  });

  it('go live / stop live toggle backstage; going live emits call.live_started', async () => {
    const d = await duo('livestream');
    const call = (await asUser(d.t, d.owner, 'GET', d.call.path)).body.call as Call;
    assert.equal(call.backstage, true);
    assert.equal((await asUser(d.t, d.member, 'POST', `${d.call.path}/go_live`, {})).status, 403);
    const live = await raw(d.t, 'POST', `/api/v2${d.call.path}/go_live`, { body: {} });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal((live.body.call as Call).backstage, false);
    const started = await d.memberWs.event('call.live_started', d.call.cid);
    assert.equal(started.call.backstage, false);
    const stop = await raw(d.t, 'POST', `${d.call.path}/stop_live`, { body: {} });
    assert.equal(stop.status, 200);
    assert.equal((stop.body.call as Call).backstage, true);
    const updated = await d.memberWs.next(
      (m) => m.type === 'call.updated' && (m.call as Call).backstage === true,
      'call.updated back in backstage',
    );
    assert.ok(updated);
    await d.close();
  });
});
