/**
 * Draining finishes what it accepted (docs/operations.md "Rolling restart"): a `switchboard start` process that gets
 * SIGTERM while 40 custom-event POSTs are in flight over keep-alive sockets answers every one of them (2xx, or a
 * clean 503 for one refused before it was processed), resets none mid-way, keeps every acknowledged event, and
 * exits 0.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createCall, seedUsers, uid } from '../realtime/support.js';
import { type Answer, post } from './keep-alive-post.js';
import { Cluster } from './node-process.js';
import { storedCustomNumbers } from './outbox-rows.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();
const IN_FLIGHT = 40;

describe('cluster: draining finishes in-flight requests', { skip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start(1, { env: { SWITCHBOARD_SHUTDOWN_TIMEOUT_MS: '20000' } });
  });
  after(async () => {
    await cluster?.close();
  });

  it('every POST in flight at SIGTERM is answered, none is reset, every 2xx is stored, and the node exits 0', async () => {
    const node = cluster.node(0);
    const user = uid('sender');
    await seedUsers(node.view, user);
    const call = await createCall(node.view, user, [user]);
    const token = await cluster.userToken(user);
    const url = new URL(`/api/v2${call.path}/event?api_key=${cluster.apiKey}`, node.baseUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    try {
      // Every socket is open and kept alive before the burst: the burst's requests travel over reused connections.
      const warm = await Promise.all(
        Array.from({ length: IN_FLIGHT }, (_, i) => post(agent, url, token, { custom: { warm: i } }).answer),
      );
      assert.ok(
        warm.every((a) => a.status === 201 || a.status === 200),
        warm.map((a) => a.status).join(','),
      );
      const posts = Array.from({ length: IN_FLIGHT }, (_, n) => post(agent, url, token, { custom: { n } }));
      // SIGTERM arrives while every request is on the wire and none answered yet.
      await Promise.all(posts.map((p) => p.sent));
      const burst = posts.map(({ answer }, n) =>
        answer.then(
          (answer) => ({ n, answer }),
          (err: Error) => ({ n, error: err.message }),
        ),
      );
      const exited = once(node.child, 'exit');
      node.child.kill('SIGTERM');
      const outcomes = await Promise.all(burst);
      const [code] = (await exited) as [number | null];

      const resets = outcomes.filter((o) => 'error' in o);
      assert.deepEqual(resets, [], 'no request is reset or left unanswered');
      const answers = outcomes.map((o) => ({ n: o.n, ...(o as { answer: Answer }).answer }));
      const unexpected = answers.filter((a) => !(a.status >= 200 && a.status < 300) && a.status !== 503);
      assert.deepEqual(unexpected, [], 'every answer is a 2xx or a clean 503');
      for (const refused of answers.filter((a) => a.status === 503)) {
        assert.equal((JSON.parse(refused.body) as { StatusCode?: number }).StatusCode, 503, refused.body);
      }
      assert.equal(code, 0, 'the drained node exits 0');

      const acknowledged = answers.filter((a) => a.status < 300).map((a) => a.n);
      const stored = await storedCustomNumbers(cluster.databaseUrl, call.cid);
      for (const n of acknowledged) assert.ok(stored.includes(n), `acknowledged event ${n} is in the database`);
      assert.ok(acknowledged.length > 0, 'the burst reached the node before it stopped accepting');
    } finally {
      agent.destroy();
    }
  });
});
