/**
 * No acknowledged event is lost across a reconnect (docs/realtime.md "Resuming"): an SDK client on node A of a
 * two-node cluster (real processes, PostgreSQL + Redis) watches a call; node A stops; events acknowledged by node
 * B while the client is away reach it exactly once and in order after it reconnects to node B through the
 * balancer, followed by live ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EventOf, SwitchboardVideoClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import { asUser, createCall, seedUsers, uid, waitFor } from '../realtime/support.js';
import { Balancer } from './balancer.js';
import { Cluster } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();

describe('cluster: resume across nodes', { skip }, () => {
  let cluster: Cluster;
  let balancer: Balancer;
  /** Where the balancer sends the next connection (undefined: refused, as while no node is reachable). */
  let target: string | undefined;
  before(async () => {
    cluster = await Cluster.start(2);
    balancer = await Balancer.start(() => target);
  });
  after(async () => {
    await balancer?.close();
    await cluster?.close();
  });

  it('events acknowledged on node B while the client was away arrive once, in order, after it reconnects to B', async () => {
    const [a, b] = [cluster.node(0), cluster.node(1)];
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(b.view, owner, watcher);
    const call = await createCall(b.view, owner, [owner]);
    target = a.baseUrl;
    const client = new SwitchboardVideoClient({
      apiKey: cluster.apiKey,
      user: { id: watcher },
      token: await cluster.userToken(watcher),
      baseUrl: balancer.url,
      WebSocket,
      reconnectInitialDelayMs: 20,
      reconnectMaxDelayMs: 100,
    });
    const received: number[] = [];
    const resyncs: unknown[] = [];
    client.on('custom', (e: EventOf<'custom'>) => received.push((e.custom as { n: number }).n));
    client.on('connection.resync', (e) => resyncs.push(e));
    const offline = new Promise<void>((resolve) =>
      client.on('connection.changed', (e) => {
        if (!e.online) resolve();
      }),
    );
    try {
      await client.connect();
      // A watcher, not a member: only its restored watch brings it the call's events after the reconnect.
      await client.call('default', call.id).get();
      const send = async (n: number) => {
        const res = await asUser(b.view, owner, 'POST', `${call.path}/event`, { custom: { n } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      };
      await send(0);
      await waitFor(() => received.includes(0), 'the first event');

      // Node A goes away; no node takes connections until the events below are acknowledged.
      target = undefined;
      await a.stop();
      await offline;
      for (let n = 1; n <= 20; n++) await send(n);
      target = b.baseUrl;
      await waitFor(() => received.includes(20), 'the missed events', 15_000);
      await send(21);
      await waitFor(() => received.includes(21), 'a live event after the replay');
      assert.deepEqual(
        received,
        Array.from({ length: 22 }, (_, n) => n),
      );
      assert.deepEqual(resyncs, []);
    } finally {
      client.disconnect();
    }
  });
});
