/**
 * The reference page's examples (issue #2), run through our SDK against a really started server on each
 * database, asserting the state each step leaves behind.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SwitchboardClient, SwitchboardError, VideoOwnCapability } from '@switchboard/sdk';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

eachDatabase('reference examples over the SDK', (node) => {
  const client = () => new SwitchboardClient(node().apiKey, node().apiSecret, { baseUrl: node().baseUrl });

  it('creates, upserts, updates, changes members, restricts access and ends a call', async () => {
    const c = client();
    const upserted = await c.upsertUsers([{ id: 'john' }, { id: 'jack' }, { id: 'sara' }, { id: 'emily' }]);
    assert.deepEqual(Object.keys(upserted.users).sort(), ['emily', 'jack', 'john', 'sara']);
    assert.equal(upserted.users.john?.role, 'user');

    const call = c.video.call('default', 'my-first-call');
    const created = await call.create({
      data: {
        created_by_id: 'john',
        members: [{ user_id: 'john', role: 'admin' }, { user_id: 'jack' }],
        custom: { color: 'blue' },
      },
    });
    assert.equal(created.created, true);
    assert.equal(created.call.cid, 'default:my-first-call');
    assert.equal(created.call.created_by.id, 'john');
    assert.deepEqual(created.call.custom, { color: 'blue' });
    assert.deepEqual(created.members.map((m) => [m.user_id, m.role]).sort(), [
      ['jack', 'call_member'],
      ['john', 'admin'],
    ]);

    const again = await call.getOrCreate({ data: {} });
    assert.equal(again.created, false);
    assert.deepEqual(again.call.custom, { color: 'blue' }, 'get-or-create of an existing call changes nothing');

    const withAudio = await call.update({
      settings_override: { audio: { mic_default_on: true, default_device: 'speaker' } },
    });
    assert.equal(withAudio.call.settings.audio.mic_default_on, true);
    assert.equal(withAudio.call.settings.audio.default_device, 'speaker');
    assert.equal(withAudio.call.settings.video.enabled, true, 'the rest comes from the call type');

    const recoloured = await call.update({ custom: { color: 'red' } });
    assert.deepEqual(recoloured.call.custom, { color: 'red' });
    assert.equal(recoloured.call.settings.audio.mic_default_on, true, 'the override survives a custom update');

    await call.updateCallMembers({ update_members: [{ user_id: 'sara' }, { user_id: 'emily', role: 'admin' }] });
    await call.updateCallMembers({ remove_members: ['sara'] });
    const afterMembers = await call.get();
    assert.deepEqual(afterMembers.members.map((m) => m.user_id).sort(), ['emily', 'jack', 'john']);
    assert.equal(afterMembers.members.find((m) => m.user_id === 'emily')?.role, 'admin');

    const { call_types } = await c.video.listCallTypes();
    const grants = call_types.default?.grants ?? {};
    assert.ok(grants.user?.includes(VideoOwnCapability.JOIN_CALL));
    const userGrants = (grants.user ?? []).filter((g) => g !== VideoOwnCapability.JOIN_CALL);
    const memberGrants = [...new Set([...(grants.call_member ?? []), VideoOwnCapability.JOIN_CALL])];
    await c.video.updateCallType('default', { grants: { user: userGrants, call_member: memberGrants } });
    const updatedType = await c.video.getCallType('default');
    assert.equal(updatedType.grants.user?.includes(VideoOwnCapability.JOIN_CALL), false);
    assert.equal(updatedType.grants.call_member?.includes(VideoOwnCapability.JOIN_CALL), true);

    await call.endCall();
    const ended = await call.get();
    assert.ok(ended.call.ended_at, 'ended_at is set');
    // Restore the default grants for the tests that follow on this node.
    await c.video.updateCallType('default', { grants });
  });

  it('concurrent get-or-create of one id from many clients creates it exactly once', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'racer' }]);
    const before = (await node().node.ctx.store.read.outbox.list()).length;
    const results = await Promise.all(
      Array.from({ length: 24 }, () =>
        client()
          .video.call('default', 'race')
          .getOrCreate({ data: { created_by_id: 'racer' } }),
      ),
    );
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.ok(results.every((r) => r.call.cid === 'default:race'));
    const events = (await node().node.ctx.store.read.outbox.list()).slice(before);
    assert.equal(events.filter((e) => e.event_type === 'call.created' && e.call_cid === 'default:race').length, 1);
  });

  it('join needs join-call: a non-member is refused once the grant moves to call_member, a member may join', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'host' }, { id: 'guest' }, { id: 'outsider' }]);
    const call = c.video.call('default', 'restricted');
    await call.create({ data: { created_by_id: 'host', members: [{ user_id: 'host' }, { user_id: 'guest' }] } });
    const outsiderToken = await node().userToken('outsider');
    const guestToken = await node().userToken('guest');
    const join = (token: string) => raw(node(), 'POST', '/video/call/default/restricted/join', { token, body: {} });

    const before = await join(outsiderToken);
    assert.equal(before.status, 200, 'with the default grants any user may join');

    const { grants } = await c.video.getCallType('default');
    await c.video.updateCallType('default', {
      grants: { user: (grants.user ?? []).filter((g) => g !== VideoOwnCapability.JOIN_CALL) },
    });
    try {
      const refused = await join(outsiderToken);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 17);
      const member = await join(guestToken);
      assert.equal(member.status, 200);
      const caps = member.body.own_capabilities as string[];
      assert.ok(caps.includes(VideoOwnCapability.JOIN_CALL));
    } finally {
      await c.video.updateCallType('default', { grants: { user: grants.user ?? [] } });
    }
  });

  it('an ended call can only be joined with join-ended-call', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'e-host' }, { id: 'e-admin', role: 'admin' }]);
    const call = c.video.call('default', 'over');
    await call.create({ data: { created_by_id: 'e-host', members: [{ user_id: 'e-host' }] } });
    await call.endCall();
    const memberJoin = await raw(node(), 'POST', '/video/call/default/over/join', {
      token: await node().userToken('e-host'),
      body: {},
    });
    assert.equal(memberJoin.status, 403);
    const adminJoin = await raw(node(), 'POST', '/video/call/default/over/join', {
      token: await node().userToken('e-admin'),
      body: {},
    });
    assert.equal(adminJoin.status, 200, 'global admins hold join-ended-call on the default type');
  });

  it('generated user and call tokens authenticate as that user, call tokens only for their calls', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'tok' }]);
    await c.video
      .call('default', 'tok-a')
      .getOrCreate({ data: { created_by_id: 'tok', members: [{ user_id: 'tok' }] } });
    await c.video
      .call('default', 'tok-b')
      .getOrCreate({ data: { created_by_id: 'tok', members: [{ user_id: 'tok' }] } });
    const userToken = await c.generateUserToken({ user_id: 'tok', validity_in_seconds: 3600 });
    const callToken = await c.generateCallToken({ user_id: 'tok', call_cids: ['default:tok-a'] });
    assert.equal((await raw(node(), 'GET', '/video/call/default/tok-b', { token: userToken })).status, 200);
    assert.equal((await raw(node(), 'GET', '/video/call/default/tok-a', { token: callToken })).status, 200);
    const foreign = await raw(node(), 'GET', '/video/call/default/tok-b', { token: callToken });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 17);
  });

  it('SDK errors carry the API code and HTTP status', async () => {
    const err = await client()
      .video.call('default', 'nope')
      .get()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof SwitchboardError);
    assert.equal(err.code, 16);
    assert.equal(err.status, 404);
  });

  it('deletes a call softly (hidden) and hard (id reusable)', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'del' }]);
    const call = c.video.call('default', 'to-delete');
    await call.getOrCreate({ data: { created_by_id: 'del' } });
    const deleted = await call.delete();
    assert.equal(deleted.call.cid, 'default:to-delete');
    await assert.rejects(call.get(), (e: unknown) => e instanceof SwitchboardError && e.status === 404);
    // Hard delete also takes a soft-deleted call away for good: its id can be used again.
    const gone = await call.delete({ hard: true });
    assert.equal(gone.call.cid, 'default:to-delete');
    assert.equal((await call.getOrCreate({ data: { created_by_id: 'del' } })).created, true);
    const hard = c.video.call('default', 'hard-delete');
    await hard.getOrCreate({ data: { created_by_id: 'del' } });
    await hard.delete({ hard: true });
    const recreated = await hard.getOrCreate({ data: { created_by_id: 'del' } });
    assert.equal(recreated.created, true);
  });
});
