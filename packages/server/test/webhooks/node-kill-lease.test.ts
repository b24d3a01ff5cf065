/**
 * A dead node holds up its calls' webhooks for about the node TTL, not a long lease: two `switchboard start`
 * processes on one PostgreSQL schema, a slow receiver, a burst of custom events on several calls written through
 * node A (so A's worker claims those calls' deliveries), and A killed with SIGKILL mid-burst while some of its
 * attempts are on the wire. Node B takes the claims over once their (renewed, node-TTL long) leases run out: the
 * longest pause in any call's deliveries stays under 2 × the node TTL, every event is delivered at least once, and
 * each call's events first arrive in the order they were written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterOfNodes } from '../cluster/spawn-node.js';
import { postgresSkipReason } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { Receiver } from './receiver.js';

const skip = await postgresSkipReason();
// Long enough that the fixed costs of taking over (the 1 s poll, a loaded machine) are small next to it.
const NODE_TTL_MS = 4000;
const CALLS = 8;
const EVENTS_PER_CALL = 30;

describe('webhooks: kill -9 of a node mid-burst [postgres, child processes]', { skip }, () => {
  const cluster = clusterOfNodes(2, {
    SWITCHBOARD_NODE_TTL_MS: String(NODE_TTL_MS),
    SWITCHBOARD_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1', // the receiver listens on loopback
    SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE_MS: '50,100,200,400,800',
  });

  it('resumes every call within 2 × the node TTL, in order, nothing lost', { timeout: 120_000 }, async (t) => {
    const receiver = await Receiver.start();
    t.after(() => receiver.close());
    receiver.answerDelayMs = 100; // slow: each call's chain stays busy through the kill
    const [a, b] = cluster.nodes.map((n) => n.asTestNode());
    assert.ok(a && b);
    assert.equal((await raw(a, 'PATCH', '/api/v2/app', { body: { webhook_url: receiver.url } })).status, 200);
    assert.equal((await raw(a, 'POST', '/api/v2/users', { body: { users: { kim: { id: 'kim' } } } })).status, 200);
    const calls = Array.from({ length: CALLS }, (_, i) => `burst${i}`);
    for (const id of calls) {
      const created = await raw(a, 'POST', `/api/v2/video/call/default/${id}`, {
        body: { data: { created_by_id: 'kim' } },
      });
      assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.body));
    }

    // The burst: every call's events written in order through node A (its worker, rung on commit, claims them).
    for (let n = 0; n < EVENTS_PER_CALL; n++) {
      await Promise.all(
        calls.map(async (id) => {
          const res = await raw(a, 'POST', `/api/v2/video/call/default/${id}/event`, {
            body: { user_id: 'kim', custom: { call: id, n } },
          });
          assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
        }),
      );
    }
    // Mid-burst: once every call has had a few events delivered, node A dies with attempts on the wire.
    const customs = () => receiver.arrived.filter((r) => r.event.type === 'custom');
    await receiver.untilArrived('a few events of every call', () =>
      calls.every((id) => customs().filter((r) => r.event.custom.call === id).length >= 3),
    );
    const killedAt = Date.now();
    await cluster.nodes[0]?.kill9();
    await receiver.until('the killed node to drop its attempts', () => receiver.abandoned > 0, 10_000);

    const firstArrivals = (id: string) => {
      const seen = new Map<number, number>();
      receiver.arrived.forEach((r, i) => {
        if (r.event.type === 'custom' && r.event.custom.call === id && !seen.has(r.event.custom.n))
          seen.set(r.event.custom.n, i);
      });
      return seen;
    };
    await receiver.untilArrived(
      'every event of every call',
      () => calls.every((id) => firstArrivals(id).size === EVENTS_PER_CALL),
      60_000,
    );

    let longestStallMs = 0;
    let stallEndedAfterKillMs = 0;
    for (const id of calls) {
      const first = firstArrivals(id);
      const order = [...first.entries()].sort((x, y) => x[1] - y[1]).map(([n]) => n);
      assert.deepEqual(
        order,
        Array.from({ length: EVENTS_PER_CALL }, (_, n) => n),
        `call ${id}: events first arrive in write order`,
      );
      // The pause a call sees: the gap between consecutive arrivals while it still had events to deliver.
      const times = receiver.arrived
        .map((r, i) => ({ r, at: receiver.arrivedAt[i] as number }))
        .filter(({ r }) => r.event.type === 'custom' && r.event.custom.call === id)
        .map(({ at }) => at);
      const lastNeeded = receiver.arrivedAt[first.get(EVENTS_PER_CALL - 1) as number] as number;
      for (let i = 1; i < times.length && (times[i - 1] as number) < lastNeeded; i++) {
        const gap = (times[i] as number) - (times[i - 1] as number);
        if (gap > longestStallMs) {
          longestStallMs = gap;
          stallEndedAfterKillMs = (times[i] as number) - killedAt;
        }
      }
    }
    console.log(
      `# node kill: ${receiver.abandoned} attempts cut by the kill; longest stall ${longestStallMs} ms ` +
        `ending ${stallEndedAfterKillMs} ms after the kill (node TTL ${NODE_TTL_MS} ms); drained ${Date.now() - killedAt} ms after the kill`,
    );
    assert.ok(
      longestStallMs < 2 * NODE_TTL_MS,
      `longest stall ${longestStallMs} ms < 2 × node TTL (${2 * NODE_TTL_MS} ms)`,
    );
  });
});
