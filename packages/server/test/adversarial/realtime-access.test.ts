/**
 * Issue 8 over real WebSockets, on both databases: access that was revoked stops the events (finding 9), one
 * user's `call.permissions_updated` reaches that user only, a blocked member cannot answer a ring (finding 12),
 * and the routing cache takes a new member in at once (finding 14).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid } from '../realtime/support.js';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';

/** A call type whose calls only their members may read (plain users may only create them). */
async function privateType(t: TestNode, grants: Record<string, string[]> = {}): Promise<string> {
  const name = uid('private').replace(/-/g, '_').toLowerCase();
  const res = await raw(t, 'POST', '/api/v2/video/calltypes', {
    body: {
      name,
      grants: {
        user: ['create-call'],
        call_member: ['read-call', 'join-call', 'send-event', 'update-call'],
        ...grants,
      },
    },
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return name;
}

/** Creates a call with a server token on behalf of `owner`. */
async function serverCall(t: TestNode, type: string, owner: string, members: string[]) {
  const id = uid('call');
  const path = `/video/call/${type}/${id}`;
  const res = await raw(t, 'POST', path, {
    body: { data: { created_by_id: owner, members: members.map((user_id) => ({ user_id })) } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { cid: `${type}:${id}`, id, path };
}

/** `promise`, or a rejection naming `what` after `ms` (a socket that is never closed must fail, not hang). */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GetCall with `connection_id`: the socket watches the call. */
async function watch(t: TestNode, userId: string, socket: TestSocket, path: string): Promise<void> {
  const res = await asUser(t, userId, 'GET', path, undefined, { connection_id: socket.connectionId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

eachRealtimeDatabase('adversarial realtime access', {}, (node) => {
  it('a member removed from a private call stops receiving call.updated and custom events', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const type = await privateType(t);
    const call = await serverCall(t, type, owner, [owner, member]);
    const ownerWs = await TestSocket.connect(t, owner);
    const memberWs = await TestSocket.connect(t, member);
    await watch(t, member, memberWs, call.path);

    const remove = await raw(t, 'POST', `${call.path}/members`, { body: { remove_members: [member] } });
    assert.equal(remove.status, 200, JSON.stringify(remove.body));
    await memberWs.event('call.member_removed', call.cid);
    assert.equal((await asUser(t, member, 'GET', call.path)).status, 403, 'no longer allowed to read the call');

    const patch = await raw(t, 'PATCH', call.path, { body: { custom: { secret: 'after removal' } } });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const sent = await raw(t, 'POST', `${call.path}/event`, { body: { custom: { secret: 'psst' }, user_id: owner } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const updated = await ownerWs.event('call.updated', call.cid);
    assert.deepEqual(updated.call.custom, { secret: 'after removal' });
    await ownerWs.event('custom', call.cid);
    await memberWs.assertNoEvent(call.cid, (m) => m.type === 'call.updated' || m.type === 'custom', 'removed member');
    await Promise.all([ownerWs.close(), memberWs.close()]);
  });

  it('a watcher whose read-call went with the call type grants stops receiving the call', async () => {
    const t = node();
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(t, owner, watcher);
    const type = await privateType(t, { user: ['create-call', 'read-call'] });
    const call = await serverCall(t, type, owner, [owner]);
    const ownerWs = await TestSocket.connect(t, owner);
    const watcherWs = await TestSocket.connect(t, watcher);
    await watch(t, watcher, watcherWs, call.path);
    assert.equal((await raw(t, 'PATCH', call.path, { body: { custom: { n: 1 } } })).status, 200);
    await watcherWs.event('call.updated', call.cid);

    const revoke = await raw(t, 'PUT', `/api/v2/video/calltypes/${type}`, {
      body: { grants: { user: ['create-call'] } },
    });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    assert.equal((await raw(t, 'PATCH', call.path, { body: { custom: { n: 2 } } })).status, 200);
    await ownerWs.next((m) => m.type === 'call.updated' && (m.call as { custom: { n: number } }).custom.n === 2, 'n=2');
    await watcherWs.assertNoEvent(
      call.cid,
      (m) => m.type === 'call.updated' && (m.call as { custom: { n: number } }).custom.n === 2,
      'watcher without read-call',
    );
    await Promise.all([ownerWs.close(), watcherWs.close()]);
  });

  it('a watcher whose global role lost read-call stops receiving the call', async () => {
    const t = node();
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(t, owner, watcher);
    const type = await privateType(t, { admin: ['read-call'] });
    const promote = await raw(t, 'POST', '/api/v2/users', {
      body: { users: { [watcher]: { id: watcher, role: 'admin' } } },
    });
    assert.equal(promote.status, 200, JSON.stringify(promote.body));
    const call = await serverCall(t, type, owner, [owner]);
    const ownerWs = await TestSocket.connect(t, owner);
    const watcherWs = await TestSocket.connect(t, watcher);
    await watch(t, watcher, watcherWs, call.path);

    const demote = await raw(t, 'PATCH', '/api/v2/users', {
      body: { users: [{ id: watcher, set: { role: 'user' } }] },
    });
    assert.equal(demote.status, 200, JSON.stringify(demote.body));
    assert.equal((await raw(t, 'PATCH', call.path, { body: { custom: { n: 1 } } })).status, 200);
    await ownerWs.event('call.updated', call.cid);
    await watcherWs.assertNoEvent(call.cid, (m) => m.type === 'call.updated', 'demoted watcher');
    await Promise.all([ownerWs.close(), watcherWs.close()]);
  });

  for (const mode of ['soft', 'hard'] as const) {
    it(`a ${mode}-deleted user's connections are closed (connection.error, 1000 "user deleted")`, async () => {
      const t = node();
      const [owner, doomed] = [uid('owner'), uid('doomed')];
      await seedUsers(t, owner, doomed);
      const call = await createCall(t, owner, [owner, doomed]);
      const first = await TestSocket.connect(t, doomed);
      const second = await TestSocket.connect(t, doomed);
      await watch(t, doomed, first, call.path);
      const res = await raw(t, 'POST', '/api/v2/users/delete', { body: { user_ids: [doomed], user: mode } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      for (const socket of [first, second]) {
        assert.deepEqual(await withTimeout(socket.closed, 5000, 'the close'), { code: 1000, reason: 'user deleted' });
        const error = socket.received.find((m) => m.type === 'connection.error');
        assert.ok(error, 'told why before the close');
      }
      assert.equal((await TestSocket.open(t)).ws.readyState, 1, 'the node still accepts connections');
    });
  }

  it('call.permissions_updated reaches only the user whose capabilities it carries', async () => {
    const t = node();
    const [owner, member, bystander, watcher] = [uid('owner'), uid('member'), uid('bystander'), uid('watcher')];
    await seedUsers(t, owner, member, bystander, watcher);
    const call = await createCall(t, owner, [owner, member, bystander]);
    const sockets = await Promise.all([owner, member, bystander, watcher].map((u) => TestSocket.connect(t, u)));
    const [ownerWs, memberWs, bystanderWs, watcherWs] = sockets as [TestSocket, TestSocket, TestSocket, TestSocket];
    await watch(t, watcher, watcherWs, call.path);
    const res = await raw(t, 'POST', `${call.path}/members`, {
      body: { update_members: [{ user_id: member, role: 'admin' }] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const mine = await memberWs.event('call.permissions_updated', call.cid);
    assert.equal((mine.user as { id: string }).id, member);
    assert.ok(Array.isArray(mine.own_capabilities));
    for (const other of [ownerWs, bystanderWs, watcherWs]) {
      await other.event('call.member_updated_permission', call.cid);
      await other.assertNoEvent(call.cid, (m) => m.type === 'call.permissions_updated', 'someone else');
    }
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('a blocked member can neither accept nor reject (403, code 17), and nobody hears a reason', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call = await createCall(t, owner, [owner, member]);
    const ownerWs = await TestSocket.connect(t, owner);
    const ring = await asUser(t, owner, 'POST', `${call.path}/ring`, {});
    assert.ok(ring.status === 200 || ring.status === 201, JSON.stringify(ring.body));
    assert.equal((await raw(t, 'POST', `${call.path}/block`, { body: { user_id: member } })).status, 200);
    await ownerWs.event('call.blocked_user', call.cid);
    for (const answer of ['accept', 'reject']) {
      const res = await asUser(t, member, 'POST', `${call.path}/${answer}`, { reason: 'leaked reason' });
      assert.equal(res.status, 403, `${answer}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 17);
    }
    await ownerWs.assertNoEvent(
      call.cid,
      (m) => m.type === 'call.accepted' || m.type === 'call.rejected',
      'an answer from a blocked member',
    );
    await ownerWs.close();
  });

  it('a member added to a call already in the routing cache receives the call’s next event at once', async () => {
    const t = node();
    const [owner, added] = [uid('owner'), uid('added')];
    await seedUsers(t, owner, added);
    const ownerWs = await TestSocket.connect(t, owner);
    const addedWs = await TestSocket.connect(t, added);
    const call = await createCall(t, owner, [owner]);
    // Routing an event of the call fills the member cache with today's members.
    assert.equal(
      (await raw(t, 'POST', `${call.path}/event`, { body: { custom: { n: 0 }, user_id: owner } })).status,
      200,
    );
    await ownerWs.event('custom', call.cid);
    const add = await raw(t, 'POST', `${call.path}/members`, { body: { update_members: [{ user_id: added }] } });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    // Not watching: only membership can bring it the next event, and well within the cache's 30 s lifetime.
    assert.equal(
      (await raw(t, 'POST', `${call.path}/event`, { body: { custom: { n: 1 }, user_id: owner } })).status,
      200,
    );
    const next = await addedWs.next(
      (m) => m.type === 'custom' && (m.custom as { n: number }).n === 1,
      'the first event after joining the members',
    );
    assert.equal(next.call_cid, call.cid);
    await Promise.all([ownerWs.close(), addedWs.close()]);
  });

  it('the custom event limit counts bytes, not UTF-16 units', async () => {
    const t = node();
    const owner = uid('owner');
    await seedUsers(t, owner);
    const call = await createCall(t, owner, [owner]);
    // '€' is one UTF-16 unit and three UTF-8 bytes: 1,750 of them are far under 5,000 units, over 5 KB in bytes.
    const big = await asUser(t, owner, 'POST', `${call.path}/event`, { custom: { text: '€'.repeat(1750) } });
    assert.equal(big.status, 400, JSON.stringify(big.body));
    assert.equal(big.body.code, 4);
    assert.ok((big.body.exception_fields as Record<string, string>).custom);
    const fits = await asUser(t, owner, 'POST', `${call.path}/event`, { custom: { text: '€'.repeat(1000) } });
    assert.equal(fits.status, 200, JSON.stringify(fits.body));
  });
});
