/**
 * Sessions with presence: joining over a connection, explicit leave, leave when the connection closes (after the
 * grace period), take-over by a reconnecting client, re-join replacing the lost participation, and a new session
 * id for a later join.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Call } from '@switchboard/protocol';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid, waitFor } from './support.js';

eachRealtimeDatabase('realtime presence', { presenceGraceMs: 1000 }, (node) => {
  /** A call with a watcher connection that observes it. */
  async function watchedCall() {
    const t = node();
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(t, owner, joiner);
    const call = await createCall(t, owner, [owner, joiner]);
    const watcher = await TestSocket.connect(t, owner);
    await asUser(t, owner, 'GET', call.path, undefined, { connection_id: watcher.connectionId });
    return { t, owner, joiner, call, watcher };
  }

  async function join(t: ReturnType<typeof node>, userId: string, path: string, socket: TestSocket) {
    const res = await asUser(t, userId, 'POST', `${path}/join`, {}, { connection_id: socket.connectionId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.call as Call;
  }

  /** Waits until every grace period has run out and its leaves have been delivered. */
  async function graceOver(t: ReturnType<typeof node>) {
    await waitFor(() => t.node.realtime.stats().presencePending === 0, 'presence grace to run out', 5000);
    await t.node.realtime.deliveredAll();
  }

  it('join over a connection starts the session; an explicit leave ends it at once', async () => {
    const { t, joiner, call, watcher } = await watchedCall();
    const socket = await TestSocket.connect(t, joiner);
    const joined = await join(t, joiner, call.path, socket);
    const started = await socket.event('call.session_started', call.cid);
    assert.equal(started.session_id, joined.current_session_id);
    const participant = await watcher.event('call.session_participant_joined', call.cid);
    assert.equal((participant.participant as { user: { id: string } }).user.id, joiner);
    assert.equal((await asUser(t, joiner, 'POST', `${call.path}/leave`, {})).status, 200);
    await watcher.event('call.session_participant_left', call.cid);
    const ended = await watcher.event('call.session_ended', call.cid);
    assert.equal(ended.session_id, joined.current_session_id);
    assert.equal(ended.call.current_session_id, '');
    await socket.close();
    await watcher.close();
  });

  it('a participant leaves when its connection closes, after the grace period; a later join starts a new session', async () => {
    const { t, joiner, call, watcher } = await watchedCall();
    const socket = await TestSocket.connect(t, joiner);
    const first = await join(t, joiner, call.path, socket);
    await socket.close();
    const left = await watcher.event('call.session_participant_left', call.cid, 5000);
    assert.equal((left.participant as { user: { id: string } }).user.id, joiner);
    const ended = await watcher.event('call.session_ended', call.cid);
    assert.equal(ended.session_id, first.current_session_id);

    const again = await TestSocket.connect(t, joiner);
    const second = await join(t, joiner, call.path, again);
    assert.notEqual(second.current_session_id, first.current_session_id);
    const started = await watcher.next(
      (m) => m.type === 'call.session_started' && m.session_id === second.current_session_id,
      'the new session',
    );
    assert.ok(started);
    await again.close();
    await watcher.close();
  });

  it('a reconnecting client that watches the call again keeps its participation', async () => {
    const { t, joiner, call, watcher } = await watchedCall();
    const lost = await TestSocket.connect(t, joiner);
    const joined = await join(t, joiner, call.path, lost);
    await lost.close();
    await waitFor(() => t.node.realtime.stats().presencePending > 0, 'the server to notice the closed connection');
    const back = await TestSocket.connect(t, joiner);
    const rewatch = await asUser(t, joiner, 'GET', call.path, undefined, { connection_id: back.connectionId });
    assert.equal(rewatch.status, 200);
    await graceOver(t);
    await watcher.assertNoEvent(call.cid, (m) => m.type === 'call.session_participant_left', 'after a take-over');
    const still = await asUser(t, joiner, 'GET', call.path);
    assert.equal((still.body.call as Call).session?.participants.length, 1);
    assert.equal((still.body.call as Call).current_session_id, joined.current_session_id);
    // The participation now lives on the new connection: closing it ends the session after the grace.
    await back.close();
    await watcher.event('call.session_ended', call.cid, 5000);
    await watcher.close();
  });

  it('joining again over a new connection replaces the participation of the lost one', async () => {
    const { t, joiner, call, watcher } = await watchedCall();
    const lost = await TestSocket.connect(t, joiner);
    const first = await join(t, joiner, call.path, lost);
    const oldParticipant = await watcher.event('call.session_participant_joined', call.cid);
    await lost.close();
    await waitFor(() => t.node.realtime.stats().presencePending > 0, 'the server to notice the closed connection');
    const back = await TestSocket.connect(t, joiner);
    const second = await join(t, joiner, call.path, back);
    assert.equal(second.current_session_id, first.current_session_id, 'the session goes on');
    const oldId = (oldParticipant.participant as { user_session_id: string }).user_session_id;
    const left = await watcher.next(
      (m) =>
        m.type === 'call.session_participant_left' &&
        (m.participant as { user_session_id: string }).user_session_id === oldId,
      'the old participation to leave',
    );
    assert.ok(left);
    await graceOver(t);
    await watcher.assertNoEvent(call.cid, (m) => m.type === 'call.session_ended', 'a replaced participation');
    const now = await asUser(t, joiner, 'GET', call.path);
    assert.equal((now.body.call as Call).session?.participants.length, 1);
    await back.close();
    await watcher.close();
  });

  it('a participant who joined without a connection is not affected by connections closing', async () => {
    const { t, joiner, call, watcher } = await watchedCall();
    const socket = await TestSocket.connect(t, joiner);
    const res = await asUser(t, joiner, 'POST', `${call.path}/join`, {});
    assert.equal(res.status, 200);
    await socket.close();
    await graceOver(t);
    await watcher.assertNoEvent(call.cid, (m) => m.type === 'call.session_participant_left', 'a REST-only join');
    await watcher.close();
  });
});
