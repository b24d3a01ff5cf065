/**
 * A cluster losing parts of itself: Redis restarted mid-test (the nodes notice, `/readyz` says so, and delivery
 * resumes once Redis is back), and a node stopped with SIGTERM (its SDK clients are told 4010, reconnect through
 * the load balancer to another node, watch their calls again and keep receiving events). The cluster runs on a
 * redis-server of this test's own, so restarting it disturbs nobody else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, type EventName, type EventOf, SwitchboardVideoClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { OwnRedis } from '../support/redis.js';
import { Balancer } from './balancer.js';
import { Cluster, type NodeProcess } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();

async function readiness(node: NodeProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/readyz', node.baseUrl));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function nextEvent<T extends EventName>(
  source: Pick<SwitchboardVideoClient, 'on'>,
  name: T,
  timeoutMs = 10_000,
): Promise<EventOf<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${name}`));
    }, timeoutMs);
    const off = source.on(name, (event) => {
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

describe('cluster failover', { skip }, () => {
  let redis: OwnRedis;
  let cluster: Cluster;
  before(async () => {
    redis = await OwnRedis.start();
    cluster = await Cluster.start(2, { redisUrl: redis.url, env: { SWITCHBOARD_SHUTDOWN_TIMEOUT_MS: '5000' } });
  });
  after(async () => {
    await cluster?.close();
    await redis?.kill();
  });

  it('Redis restarted mid-test: readiness reports it, the nodes reconnect and delivery resumes', async () => {
    const [a, b] = [cluster.node(0), cluster.node(1)];
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(a.view, owner, watcher);
    const call = await createCall(a.view, owner, [owner]);
    const ws = await TestSocket.connect(a.view, watcher);
    try {
      const watch = await asUser(a.view, watcher, 'GET', call.path, undefined, { connection_id: ws.connectionId });
      assert.equal(watch.status, 200);
      assert.deepEqual((await readiness(a)).body.redis, true);

      await redis.kill();
      const down = await waitFor(async () => {
        const r = await readiness(a);
        return r.status === 503 && r;
      }, 'node A to report Redis unreachable');
      assert.equal(down.body.redis, false);
      assert.equal(down.body.database, true);
      // Writes still succeed while Redis is down (their events are in the outbox; realtime misses them).
      const during = await asUser(b.view, owner, 'PATCH', call.path, { custom: { n: 0 } });
      assert.equal(during.status, 200, JSON.stringify(during.body));

      await redis.restart();
      await waitFor(
        async () => (await readiness(a)).status === 200 && (await readiness(b)).status === 200,
        'ready again',
        10_000,
      );
      // Subscriptions come back just after the connection: update until one update gets through.
      let n = 0;
      await waitFor(
        async () => {
          n += 1;
          await asUser(b.view, owner, 'PATCH', call.path, { custom: { n } });
          return ws.events(call.cid).some((m) => m.type === 'call.updated') || undefined;
        },
        'delivery to resume',
        10_000,
      );
      const sent: number[] = [];
      for (let i = n + 1; i <= n + 10; i++) {
        const res = await asUser(b.view, owner, 'PATCH', call.path, { custom: { n: i } });
        assert.equal(res.status, 200);
        sent.push(i);
      }
      await ws.next(
        (m) => m.type === 'call.updated' && (m.call as { custom?: { n?: number } }).custom?.n === n + 10,
        'the last update after the restart',
      );
      const received = ws
        .events(call.cid)
        .map((m) => (m.call as unknown as { custom: { n: number } }).custom.n)
        .filter((i) => i > n);
      assert.deepEqual(received, sent);
      assert.equal(received.includes(0), false);
    } finally {
      await ws.close();
    }
  });

  it('SIGTERM: the node closes its WebSockets with 4010 and SDK clients carry on through another node', async () => {
    const [a, b] = [cluster.node(0), cluster.node(1)];
    let targets = [a];
    let turn = 0;
    const balancer = await Balancer.start(() => {
      const live = targets.filter((n) => n.running);
      turn += 1;
      return live[turn % Math.max(1, live.length)]?.baseUrl;
    });
    const closes: number[] = [];
    class Recording extends WebSocket {
      constructor(url: string) {
        super(url);
        this.on('close', (code) => closes.push(code));
      }
    }
    const [owner, viewer] = [uid('owner'), uid('viewer')];
    await seedUsers(b.view, owner, viewer);
    const call = await createCall(b.view, owner, [owner]);
    const client = new SwitchboardVideoClient({
      apiKey: cluster.apiKey,
      user: { id: viewer },
      token: await cluster.userToken(viewer),
      baseUrl: balancer.url,
      WebSocket: Recording,
      reconnectInitialDelayMs: 50,
      reconnectMaxDelayMs: 500,
    });
    try {
      const first = await client.connect();
      const watched = client.call('default', call.id);
      await watched.get();
      const before = nextEvent(watched, 'call.updated');
      await asUser(b.view, owner, 'PATCH', call.path, { custom: { phase: 'before' } });
      assert.deepEqual((await before).call.custom, { phase: 'before' });

      targets = [a, b]; // A stays in rotation while it drains, as it would until the balancer sees /readyz fail
      const recovered = nextEvent(client, 'connection.recovered');
      const exitCode = await a.stop();
      assert.equal(exitCode, 0);
      assert.ok(closes.includes(CloseCode.ServerShutdown), `close codes seen: ${closes.join(', ')}`);
      await recovered;
      assert.notEqual(client.connectionId, first.connection_id);

      const afterwards = nextEvent(watched, 'call.updated');
      const patched = await asUser(b.view, owner, 'PATCH', call.path, { custom: { phase: 'after' } });
      assert.equal(patched.status, 200);
      assert.deepEqual((await afterwards).call.custom, { phase: 'after' });
    } finally {
      client.disconnect();
      await balancer.close();
    }
  });
});
