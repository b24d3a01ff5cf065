/**
 * The SDK's device methods (server-side `SwitchboardClient` and client-side `SwitchboardVideoClient`) against a
 * started node: register, list, remove, and the API error a refused registration rejects with.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SwitchboardClient, SwitchboardError, SwitchboardVideoClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import { eachDatabase } from '../support/each-database.js';

eachDatabase('sdk devices', (node) => {
  it('registers, lists and removes devices with a server client and a user client', async () => {
    const t = node();
    const server = new SwitchboardClient(t.apiKey, t.apiSecret, { baseUrl: t.baseUrl });
    await server.upsertUsers([{ id: 'sdk-dan' }]);
    const created = await server.createDevice({ id: 'fcm-dan', push_provider: 'firebase', user_id: 'sdk-dan' });
    assert.equal(created.device.user_id, 'sdk-dan');

    const user = new SwitchboardVideoClient({
      apiKey: t.apiKey,
      baseUrl: t.baseUrl,
      token: await server.generateUserToken({ user_id: 'sdk-dan' }),
      user: { id: 'sdk-dan' },
      WebSocket: WebSocket as never,
    });
    await user.createDevice({ id: 'ab'.repeat(32), push_provider: 'apn', voip_token: true });
    const mine = await user.listDevices();
    assert.deepEqual(mine.devices.map((d) => `${d.push_provider}:${d.voip_token}`).sort(), [
      'apn:true',
      'firebase:false',
    ]);

    await user.deleteDevice('fcm-dan');
    await server.deleteDevice('ab'.repeat(32), 'sdk-dan');
    assert.deepEqual((await server.listDevices('sdk-dan')).devices, []);

    await assert.rejects(
      () => server.createDevice({ id: 'x', push_provider: 'huawei', user_id: 'sdk-dan' }),
      (err: unknown) => err instanceof SwitchboardError && err.code === 4 && err.status === 400,
    );
  });
});
