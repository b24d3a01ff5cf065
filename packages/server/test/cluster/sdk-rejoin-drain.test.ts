/**
 * A rolling restart keeps people in their calls (docs/operations.md "Rolling restart"): an SDK client (default
 * reconnect settings) joined through node A of a two-node cluster (real processes behind a balancer) reconnects
 * through node B once A drains, joins again with the same participation (no leave event, still in the participants
 * list), and receives every event acknowledged meanwhile exactly once, in order. Events keep coming through A over
 * keep-alive connections while it drains, as under load: A must still finish promptly, and the client must not
 * have backed off far by the time B takes it.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type EventOf, SwitchboardVideoClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import { asUser, createCall, seedUsers, uid, waitFor } from '../realtime/support.js';
import { Balancer } from './balancer.js';
import { post } from './keep-alive-post.js';
import { Cluster } from './node-process.js';
import { outboxRows } from './outbox-rows.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();

interface Participant {
  user_session_id: string;
}

describe('cluster: the SDK re-joins after its node drains', { skip }, () => {
  let cluster: Cluster;
  let balancer: Balancer;
  /** Where the balancer sends the next connection: A until it is gone (no active health checks), then B. */
  let target: string | undefined;
  before(async () => {
    cluster = await Cluster.start(2);
    balancer = await Balancer.start(() => target);
  });
  after(async () => {
    await balancer?.close();
    await cluster?.close();
  });

  it('reconnects through B, keeps its participation, and gets every acknowledged event once, in order', async () => {
    const [a, b] = [cluster.node(0), cluster.node(1)];
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(b.view, owner, joiner);
    const call = await createCall(b.view, owner, [owner, joiner]);
    target = a.baseUrl;
    const client = new SwitchboardVideoClient({
      apiKey: cluster.apiKey,
      user: { id: joiner },
      token: await cluster.userToken(joiner),
      baseUrl: balancer.url,
      WebSocket,
    });
    const received: number[] = [];
    client.on('custom', (e: EventOf<'custom'>) => received.push((e.custom as { n: number }).n));
    let recovered = false;
    client.on('connection.recovered', () => {
      recovered = true;
    });
    const participants = async (): Promise<string[]> => {
      const res = await asUser(b.view, owner, 'GET', call.path);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const session = (res.body.call as { session?: { participants?: Participant[] } }).session;
      return (session?.participants ?? []).map((p) => p.user_session_id);
    };
    const ownerToken = await cluster.userToken(owner);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    /** The owner's sender: through A while A answers, through B after; returns whether `n` was acknowledged. */
    let via = a.baseUrl;
    const send = async (n: number): Promise<boolean> => {
      const url = new URL(`/api/v2${call.path}/event?api_key=${cluster.apiKey}`, via);
      const answer = await post(agent, url, ownerToken, { custom: { n } }).answer.catch(() => undefined);
      if (answer && answer.status < 300) return true;
      via = b.baseUrl; // refused or cut: A is going away
      return false;
    };
    const acknowledged: number[] = [];
    try {
      await client.connect();
      const firstConnection = client.connectionId;
      await client.call('default', call.id).join({});
      const before = await participants();
      assert.equal(before.length, 1, before.join(', '));

      let n = 0;
      if (await send(n)) acknowledged.push(n);
      await waitFor(() => received.includes(0), 'the first event');
      // Four senders keep A's keep-alive sockets busy while it drains.
      let stopping = false;
      const senders = Array.from({ length: 4 }, async () => {
        while (!stopping) {
          const mine = ++n;
          if (await send(mine)) acknowledged.push(mine);
        }
      });
      await waitFor(() => acknowledged.length >= 10, 'traffic through A');
      assert.equal(await a.stop(), 0, 'A drains and exits 0');
      target = b.baseUrl;
      await waitFor(() => recovered, 'the client to reconnect through B and join again', 15_000);
      stopping = true;
      await Promise.all(senders);
      assert.notEqual(client.connectionId, firstConnection);

      const last = ++n;
      assert.ok(await send(last));
      acknowledged.push(last);
      await waitFor(() => received.includes(last), 'a live event after the re-join');
      // Per-call order is the order the node stored the events in (the senders run concurrently).
      const stored = (await outboxRows(cluster.databaseUrl, call.cid))
        .filter((r) => r.type === 'custom')
        .map((r) => (r.payload.custom as { n: number }).n);
      assert.deepEqual(received, stored, 'every stored event once, in the stored order');
      for (const k of acknowledged) assert.ok(received.includes(k), `acknowledged event ${k} arrived`);
      assert.deepEqual(await participants(), before, 'the same participation is still in the call');
      const leaves = (await outboxRows(cluster.databaseUrl, call.cid)).filter(
        (r) => r.type === 'call.session_participant_left',
      );
      assert.deepEqual(leaves, [], 'no leave event was written');
    } finally {
      agent.destroy();
      client.disconnect();
    }
  });
});
