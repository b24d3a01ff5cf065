/**
 * GetCall / GetOrCreate answer from a per-node snapshot cache. These tests read a call (filling the cache), change
 * what its view shows through each kind of write, and read again: the change must be visible at once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SwitchboardClient } from '@switchboard/sdk';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

eachDatabase('call snapshot cache stays fresh', (node) => {
  const client = () => new SwitchboardClient(node().apiKey, node().apiSecret, { baseUrl: node().baseUrl });

  it('reflects call, member, user and call type changes on the next read', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'snap-owner', name: 'Owner' }, { id: 'snap-guest' }]);
    const call = c.video.call('default', 'snap');
    await call.getOrCreate({ data: { created_by_id: 'snap-owner', members: [{ user_id: 'snap-owner' }] } });
    await call.get(); // cached now

    await call.update({ custom: { v: 2 } });
    assert.deepEqual((await call.get()).call.custom, { v: 2 });

    await call.updateCallMembers({ update_members: [{ user_id: 'snap-guest', role: 'host' }] });
    const withGuest = await call.getOrCreate({});
    assert.equal(withGuest.members.find((m) => m.user_id === 'snap-guest')?.role, 'host');

    await c.updateUsersPartial({ users: [{ id: 'snap-owner', set: { name: 'Renamed' } }] });
    const renamed = await call.get();
    assert.equal(renamed.call.created_by.name, 'Renamed');
    assert.equal(renamed.members.find((m) => m.user_id === 'snap-owner')?.user.name, 'Renamed');

    await c.video.updateCallType('default', { settings: { audio: { hifi_audio_enabled: true } } });
    try {
      assert.equal((await call.get()).call.settings.audio.hifi_audio_enabled, true);
    } finally {
      await c.video.updateCallType('default', { settings: { audio: { hifi_audio_enabled: false } } });
    }

    await call.endCall();
    assert.ok((await call.get()).call.ended_at);
    await call.delete();
    await assert.rejects(call.get());
  });

  it('answers a user token with its own membership and capabilities from the cached view', async () => {
    const c = client();
    await c.upsertUsers([{ id: 'snap-a' }, { id: 'snap-b' }]);
    const call = c.video.call('default', 'snap-caps');
    await call.getOrCreate({ data: { created_by_id: 'snap-a', members: [{ user_id: 'snap-a', role: 'admin' }] } });
    await call.get();
    const asA = await raw(node(), 'GET', '/video/call/default/snap-caps', { token: await node().userToken('snap-a') });
    assert.equal((asA.body.membership as { role: string }).role, 'admin');
    assert.ok((asA.body.own_capabilities as string[]).includes('end-call'));
    const asB = await raw(node(), 'GET', '/video/call/default/snap-caps', { token: await node().userToken('snap-b') });
    assert.equal(asB.body.membership, undefined);
    assert.equal((asB.body.own_capabilities as string[]).includes('end-call'), false);
    await call.updateCallMembers({ update_members: [{ user_id: 'snap-b', role: 'admin' }] });
    const asBAdmin = await raw(node(), 'GET', '/video/call/default/snap-caps', {
      token: await node().userToken('snap-b'),
    });
    assert.ok((asBAdmin.body.own_capabilities as string[]).includes('end-call'));
  });
});
