/**
 * The SDK's side of resuming (docs/realtime.md "Resuming"): after its socket is cut, the client reconnects with
 * the last event id it received and the calls it watched; the app sees every event sent meanwhile exactly once, in
 * order, and `connection.resync` when the server cannot replay. The reconnect is held back (the token function
 * waits) until the events of the gap are acknowledged, so the gap is real, not a race.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type EventOf, SwitchboardVideoClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import type { TestNode } from '../support/test-node.js';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, uid, waitFor } from './support.js';

/** A client whose connects after the first wait for `release()`. */
async function gatedClient(t: TestNode, userId: string) {
  const token = await t.userToken(userId);
  const sockets: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  let gate: Promise<void> = Promise.resolve();
  let release = () => {};
  const client = new SwitchboardVideoClient({
    apiKey: t.apiKey,
    user: { id: userId },
    token: async () => {
      await gate;
      return token;
    },
    baseUrl: t.baseUrl,
    WebSocket: Recording,
    reconnectInitialDelayMs: 20,
    reconnectMaxDelayMs: 200,
  });
  const hold = () => {
    gate = new Promise((resolve) => {
      release = resolve;
    });
  };
  return { client, sockets, hold, release: () => release() };
}

async function sendCustom(t: TestNode, userId: string, path: string, n: number): Promise<void> {
  const res = await asUser(t, userId, 'POST', `${path}/event`, { custom: { n } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

eachRealtimeDatabase('SDK: resume after a cut socket', {}, (node) => {
  it('the app sees every event of the gap once and in order, then live ones', async () => {
    const t = node();
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(t, owner, watcher);
    const call = await createCall(t, owner, [owner]);
    const g = await gatedClient(t, watcher);
    const received: number[] = [];
    g.client.on('custom', (e: EventOf<'custom'>) => received.push((e.custom as { n: number }).n));
    try {
      await g.client.connect();
      await g.client.call('default', call.id).get();
      await sendCustom(t, owner, call.path, 0);
      await waitFor(() => received.length === 1, 'the first event');
      const before = g.client.lastEventId;
      assert.equal(typeof before, 'string');

      g.hold();
      g.sockets[0]?.terminate(); // what a network failure looks like to the client
      await waitFor(() => g.client.state !== 'connected', 'the client to notice');
      for (let n = 1; n <= 10; n++) await sendCustom(t, owner, call.path, n);
      g.release();
      await waitFor(() => received.includes(10), 'the events of the gap');
      await sendCustom(t, owner, call.path, 11);
      await waitFor(() => received.includes(11), 'a live event');
      assert.deepEqual(
        received,
        Array.from({ length: 12 }, (_, n) => n),
      );
      assert.notEqual(g.client.lastEventId, before);
    } finally {
      g.client.disconnect();
    }
  });
});

eachRealtimeDatabase('SDK: resume past the replay bound', { resumeMaxEvents: 2 }, (node) => {
  it('emits connection.resync, and live events follow', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call = await createCall(t, owner, [owner, member]);
    const g = await gatedClient(t, member);
    const received: number[] = [];
    const resyncs: string[] = [];
    g.client.on('custom', (e: EventOf<'custom'>) => received.push((e.custom as { n: number }).n));
    g.client.on('connection.resync', (e) => resyncs.push(e.reason));
    try {
      await g.client.connect();
      await sendCustom(t, owner, call.path, 0);
      await waitFor(() => received.length === 1, 'the first event');
      g.hold();
      g.sockets[0]?.terminate();
      await waitFor(() => g.client.state !== 'connected', 'the client to notice');
      for (let n = 1; n <= 3; n++) await sendCustom(t, owner, call.path, n);
      g.release();
      await waitFor(() => resyncs.length === 1, 'the resync');
      assert.deepEqual(resyncs, ['too_many_events']);
      await sendCustom(t, owner, call.path, 4);
      await waitFor(() => received.includes(4), 'a live event');
      assert.deepEqual(received, [0, 4], 'nothing replayed past the bound');
    } finally {
      g.client.disconnect();
    }
  });
});
