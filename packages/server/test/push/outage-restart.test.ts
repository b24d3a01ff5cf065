/**
 * A provider outage across a restart (issue 12): APNs answers 429 while the node retries the ring's push; the node
 * is closed mid-outage and a new node is composed on the same database; once APNs recovers, the push arrives,
 * exactly once. A 429's Retry-After is honoured over a shorter scheduled wait.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FreshDatabase, freshDatabase, type TestDialect, testDialects } from '../support/databases.js';
import { LOCAL_PUSH_PEERS, startTestNode, type TestNode } from '../support/test-node.js';
import type { Received } from './peers.js';
import {
  addDevice,
  closePeers,
  configureProviders,
  hexToken,
  type Peers,
  pushesSettled,
  ring,
  startPeers,
  upsertUsers,
} from './push-setup.js';

/** A database two nodes open one after the other (SQLite: a file; the in-memory one dies with its node). */
function sharedDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'postgres') return freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-push-'));
  return {
    options: { kind: 'sqlite', file: join(dir, 'switchboard.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const fastRetries = { ...LOCAL_PUSH_PEERS, pushRetryScheduleMs: Array.from({ length: 100 }, () => 50) };

for (const dialect of await testDialects()) {
  describe(`push across a restart during an outage [${dialect}]`, () => {
    const database = sharedDatabase(dialect);
    let peers: Peers;
    const nodes: TestNode[] = [];
    before(async () => {
      peers = await startPeers();
    });
    after(async () => {
      for (const n of nodes) await n.stop().catch(() => undefined);
      await closePeers(peers);
      await database.drop();
    });

    it('delivers the ring push after the provider recovers, from the node that replaced the first', async () => {
      const first = await startTestNode(dialect, { database, config: fastRetries });
      nodes.push(first);
      await configureProviders(first, peers);
      await upsertUsers(first, { dora: 'Dora', eve: 'Eve' });
      const token = hexToken('eve-voip');
      await addDevice(first, 'eve', token, 'apn', true);

      peers.apns.script = () => ({ status: 429, body: { reason: 'TooManyRequests' }, headers: { 'retry-after': '0' } });
      await ring(first, 'outage-1', 'dora', ['eve']);
      await peers.apns.until('a few refused attempts', (r) => r.filter((x) => x.token === token).length >= 3);
      await first.stop();
      nodes.splice(nodes.indexOf(first), 1);
      const refused = peers.apns.received.filter((x) => x.token === token);
      assert.ok(refused.every((x) => x.answered === 429));

      peers.apns.script = () => ({ status: 200 });
      const second = await startTestNode(dialect, { database, config: fastRetries });
      nodes.push(second);
      await peers.apns.until('the push after recovery', (r) => r.some((x) => x.token === token && x.answered === 200));
      await pushesSettled(second);
      const delivered = peers.apns.received.filter((x) => x.token === token && x.answered === 200);
      assert.equal(delivered.length, 1, 'delivered exactly once');
      assert.equal(delivered[0]?.body.type, 'call.ring');
      assert.equal(delivered[0]?.headers['apns-push-type'], 'voip');
    });

    it("waits for the provider's Retry-After when it is longer than the scheduled wait", async () => {
      const t = nodes[0];
      assert.ok(t);
      const token = hexToken('eve-later');
      await addDevice(t, 'eve', token, 'apn', true);
      // The first attempt is refused with Retry-After: 1, every later one accepted (decided by the peer, so the
      // test's own pace cannot change what the node is told).
      let refusals = 0;
      peers.apns.script = (tok) =>
        tok === token && refusals++ === 0
          ? { status: 429, headers: { 'retry-after': '1' }, body: { reason: 'TooManyRequests' } }
          : { status: 200 };
      await ring(t, 'outage-2', 'dora', ['eve']);
      await peers.apns.until('the retry', (r) => r.some((x) => x.token === token && x.answered === 200));
      const attempts = peers.apns.received.filter((x) => x.token === token);
      assert.deepEqual(
        attempts.map((x) => x.answered),
        [429, 200],
      );
      // Both times are the peer's, taken as each request arrived: the retry cannot come sooner than the second
      // that Retry-After asked for after the refusal was answered, however slow the machine (the schedule alone
      // would retry after ~50 ms).
      const [refused, retried] = attempts as [Received, Received];
      assert.ok(retried.at - refused.at >= 1000, `retried ${retried.at - refused.at} ms after the refusal`);
      await pushesSettled(t);
    });
  });
}
