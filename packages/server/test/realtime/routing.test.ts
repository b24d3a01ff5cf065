/**
 * Who receives call events (docs/api.md "Events"): watchers (GetCall / GetOrCreateCall / JoinCall
 * with `connection_id`) and members' connections, the actor's own included; nobody else. Per-call ordering.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { raw } from '../support/raw-http.js';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid } from './support.js';

eachRealtimeDatabase('realtime routing', {}, (node) => {
  async function people(...names: string[]): Promise<string[]> {
    const ids = names.map(uid);
    await seedUsers(node(), ...ids);
    return ids;
  }

  it('delivers call events to members (the actor too) and watchers, and nothing to others', async () => {
    const t = node();
    const [owner, member, watcher, outsider] = await people('owner', 'member', 'watcher', 'outsider');
    const sockets = await Promise.all(
      [owner, member, watcher, outsider].map((u) => TestSocket.connect(t, u as string)),
    );
    const [ownerWs, memberWs, watcherWs, outsiderWs] = sockets as [TestSocket, TestSocket, TestSocket, TestSocket];
    const call = await createCall(t, owner as string, [owner as string, member as string]);
    await memberWs.event('call.created', call.cid);
    await ownerWs.event('call.created', call.cid);

    const watched = await asUser(t, watcher as string, 'GET', call.path, undefined, {
      connection_id: watcherWs.connectionId,
    });
    assert.equal(watched.status, 200, JSON.stringify(watched.body));
    const update = await asUser(t, owner as string, 'PATCH', call.path, { custom: { topic: 'routing' } });
    assert.equal(update.status, 200);
    for (const socket of [ownerWs, memberWs, watcherWs]) {
      const event = await socket.event('call.updated', call.cid);
      assert.deepEqual(event.call.custom, { topic: 'routing' });
    }
    await outsiderWs.assertNoEvent(call.cid, () => true, 'a non-member non-watcher');
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('watches through GetOrCreateCall and JoinCall with connection_id', async () => {
    const t = node();
    const [creator, joiner, actor] = await people('creator', 'joiner', 'actor');
    const creatorWs = await TestSocket.connect(t, creator as string);
    const joinerWs = await TestSocket.connect(t, joiner as string);
    const id = uid('call');
    const path = `/video/call/default/${id}`;
    const created = await asUser(
      t,
      creator as string,
      'POST',
      path,
      { data: {} },
      { connection_id: creatorWs.connectionId },
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const joined = await asUser(
      t,
      joiner as string,
      'POST',
      `${path}/join`,
      {},
      { connection_id: joinerWs.connectionId },
    );
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    // Neither is a member: both receive the call's events as watchers.
    await creatorWs.event('call.session_participant_joined', `default:${id}`);
    await joinerWs.event('call.session_participant_joined', `default:${id}`);
    await seedUsers(t, actor as string);
    const custom = await raw(t, 'POST', `${path}/event`, { body: { custom: { n: 1 }, user_id: actor } });
    assert.equal(custom.status, 200, JSON.stringify(custom.body));
    await creatorWs.event('custom', `default:${id}`);
    await joinerWs.event('custom', `default:${id}`);
    await creatorWs.close();
    await joinerWs.close();
  });

  it('watches every call QueryCalls returns with watch: true', async () => {
    const t = node();
    const [owner, viewer] = await people('owner', 'viewer');
    const viewerWs = await TestSocket.connect(t, viewer as string);
    const team = uid('team');
    const first = await createCall(t, owner as string, [owner as string], { data: { team } });
    const second = await createCall(t, owner as string, [owner as string], { data: { team } });
    const res = await asUser(
      t,
      viewer as string,
      'POST',
      '/video/calls',
      { filter_conditions: { team }, watch: true },
      { connection_id: viewerWs.connectionId },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body.calls as unknown[]).length, 2);
    for (const call of [first, second]) {
      await raw(t, 'POST', `${call.path}/event`, { body: { custom: { cid: call.cid }, user_id: owner } });
      await viewerWs.event('custom', call.cid);
    }
    await viewerWs.close();
  });

  it('member_added reaches the new member; member_removed also reaches the removed user', async () => {
    const t = node();
    const [owner, added] = await people('owner', 'added');
    const addedWs = await TestSocket.connect(t, added as string);
    const call = await createCall(t, owner as string, [owner as string]);
    const add = await raw(t, 'POST', `${call.path}/members`, { body: { update_members: [{ user_id: added }] } });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const addedEvent = await addedWs.event('call.member_added', call.cid);
    assert.deepEqual(
      (addedEvent.members as { user_id: string }[]).map((m) => m.user_id),
      [added],
    );
    const remove = await raw(t, 'POST', `${call.path}/members`, { body: { remove_members: [added] } });
    assert.equal(remove.status, 200);
    const removed = await addedWs.event('call.member_removed', call.cid);
    assert.deepEqual(removed.members, [added]);
    // No longer a member nor a watcher: later events do not reach them.
    const ownerWs = await TestSocket.connect(t, owner as string);
    await asUser(t, owner as string, 'PATCH', call.path, { custom: { after: true } });
    await ownerWs.event('call.updated', call.cid);
    await addedWs.assertNoEvent(call.cid, (m) => m.type === 'call.updated', 'a removed member');
    await addedWs.close();
    await ownerWs.close();
  });

  it('delivers call.ended and call.deleted to members and watchers', async () => {
    const t = node();
    const [owner, member, watcher] = await people('owner', 'member', 'watcher');
    const memberWs = await TestSocket.connect(t, member as string);
    const watcherWs = await TestSocket.connect(t, watcher as string);
    const call = await createCall(t, owner as string, [owner as string, member as string]);
    await asUser(t, watcher as string, 'GET', call.path, undefined, { connection_id: watcherWs.connectionId });
    assert.equal((await raw(t, 'POST', `${call.path}/mark_ended`, { body: {} })).status, 200);
    await memberWs.event('call.ended', call.cid);
    await watcherWs.event('call.ended', call.cid);
    assert.equal((await raw(t, 'POST', `${call.path}/delete`, { body: { hard: true } })).status, 200);
    await memberWs.event('call.deleted', call.cid);
    await watcherWs.event('call.deleted', call.cid);
    await memberWs.close();
    await watcherWs.close();
  });

  it('keeps the order of one call’s events, the same for every recipient', async () => {
    const t = node();
    const [owner, member, watcher] = await people('owner', 'member', 'watcher');
    const memberWs = await TestSocket.connect(t, member as string);
    const watcherWs = await TestSocket.connect(t, watcher as string);
    const call = await createCall(t, owner as string, [owner as string, member as string]);
    await asUser(t, watcher as string, 'GET', call.path, undefined, { connection_id: watcherWs.connectionId });
    const send = (n: number) => raw(t, 'POST', `${call.path}/event`, { body: { custom: { n }, user_id: owner } });
    // One after another: the commit order is the request order.
    for (let n = 0; n < 15; n++) assert.equal((await send(n)).status, 200);
    // Concurrently: whatever the commit order, every recipient sees the same one.
    const burst = await Promise.all(Array.from({ length: 15 }, (_, i) => send(15 + i)));
    for (const res of burst) assert.equal(res.status, 200);
    const numbers = async (socket: TestSocket) => {
      await socket.next(() => socket.events(call.cid).filter((e) => e.type === 'custom').length === 30, '30 events');
      return socket
        .events(call.cid)
        .filter((e) => e.type === 'custom')
        .map((e) => (e.custom as { n: number }).n);
    };
    const seenByMember = await numbers(memberWs);
    const seenByWatcher = await numbers(watcherWs);
    assert.deepEqual(
      seenByMember.slice(0, 15),
      Array.from({ length: 15 }, (_, n) => n),
    );
    assert.deepEqual(seenByWatcher, seenByMember);
    assert.deepEqual(
      [...seenByMember.slice(15)].sort((a, b) => a - b),
      Array.from({ length: 15 }, (_, i) => 15 + i),
    );
    await memberWs.close();
    await watcherWs.close();
  });

  it('refuses to watch over another user’s connection or an unknown one', async () => {
    const t = node();
    const [owner, other] = await people('owner', 'other');
    const otherWs = await TestSocket.connect(t, other as string);
    const call = await createCall(t, owner as string, [owner as string]);
    const foreign = await asUser(t, owner as string, 'GET', call.path, undefined, {
      connection_id: otherWs.connectionId,
    });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.code, 4);
    assert.ok((foreign.body.exception_fields as Record<string, string>).connection_id);
    const unknown = await asUser(t, owner as string, 'GET', call.path, undefined, { connection_id: 'nope' });
    assert.equal(unknown.status, 400);
    await otherWs.close();
  });

  it('limits a connection whose token lists calls to those calls', async () => {
    const t = node();
    const [owner, member] = await people('owner', 'member');
    const first = await createCall(t, owner as string, [owner as string, member as string]);
    const second = await createCall(t, owner as string, [owner as string, member as string]);
    const scoped = await TestSocket.connect(t, member as string, {
      token: await t.userToken(member as string, { call_cids: [first.cid] }),
    });
    const full = await TestSocket.connect(t, member as string);
    await raw(t, 'POST', `${second.path}/event`, { body: { custom: { n: 2 }, user_id: owner } });
    await raw(t, 'POST', `${first.path}/event`, { body: { custom: { n: 1 }, user_id: owner } });
    await full.event('custom', second.cid);
    await scoped.event('custom', first.cid);
    await scoped.assertNoEvent(second.cid, () => true, 'a connection scoped to another call');
    await scoped.close();
    await full.close();
  });
});
