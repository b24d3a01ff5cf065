/**
 * A ring's timeout survives the node that rang (issue 11, "timers across nodes"): two `switchboard start` processes
 * on one PostgreSQL schema; node A rings with a short timeout and is killed with SIGKILL before the timeout is due.
 * Node B's sweep fires it: the callee, connected to node B, receives `call.missed`, and the outbox holds it once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { postgresSkipReason } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { clusterOfNodes, type SpawnedNode } from './spawn-node.js';

const skip = await postgresSkipReason();
const RING_TIMEOUT_MS = 2000;

describe('cluster: ring timeout of a killed node [postgres, child processes]', { skip }, () => {
  const cluster = clusterOfNodes(2, { SWITCHBOARD_TIMER_SWEEP_MS: '100', SWITCHBOARD_NODE_TTL_MS: '1000' });

  it('kill -9 the ringing node before the timeout: call.missed still arrives, from node B, once', async () => {
    const [a, b] = [(cluster.nodes[0] as SpawnedNode).asTestNode(), (cluster.nodes[1] as SpawnedNode).asTestNode()];
    const type = `quick${uid('').replace(/[^a-z0-9]/gi, '')}`;
    const created = await raw(a, 'POST', '/api/v2/video/calltypes', {
      body: {
        name: type,
        grants: { user: ['create-call', 'read-call', 'join-call'], call_member: ['read-call', 'join-call'] },
        settings: { ring: { incoming_call_timeout_ms: RING_TIMEOUT_MS, auto_cancel_timeout_ms: RING_TIMEOUT_MS } },
      },
    });
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.body));
    const [alice, bob] = [uid('alice'), uid('bob')];
    await seedUsers(a, alice, bob);
    const call = await createCall(a, alice, [alice, bob], {}, type);
    const bobOnB = await TestSocket.connect(b, bob);

    const rang = await asUser(a, alice, 'POST', `${call.path}/ring`, {});
    assert.ok(rang.status === 200 || rang.status === 201, JSON.stringify(rang.body));
    await (cluster.nodes[0] as SpawnedNode).kill9();
    const [job] = await cluster.db.query<{ due_at: string }>('select due_at from scheduled_jobs where key = $1', [
      `ring:${call.cid}`,
    ]);
    assert.ok(job, 'the ring timeout is a job in the database');
    const missedBeforeKill = await cluster.db.query('select 1 from outbox where call_cid = $1 and event_type = $2', [
      call.cid,
      'call.missed',
    ]);
    assert.equal(missedBeforeKill.length, 0, 'node A died before its timeout fired (else raise RING_TIMEOUT_MS)');

    const missed = await bobOnB.event('call.missed', call.cid, 15_000);
    assert.deepEqual(
      (missed as unknown as { members: { user_id: string }[] }).members.map((m) => m.user_id),
      [bob],
    );
    assert.ok(Date.now() >= Date.parse(job.due_at), 'not before the timeout');
    // The job went in the transaction that emitted the event: no node can fire it again.
    await waitFor(
      async () =>
        (await cluster.db.query('select 1 from scheduled_jobs where key = $1', [`ring:${call.cid}`])).length === 0,
      'the ring job to be gone',
    );
    const inOutbox = await cluster.db.query('select 1 from outbox where call_cid = $1 and event_type = $2', [
      call.cid,
      'call.missed',
    ]);
    assert.equal(inOutbox.length, 1, 'call.missed committed once');
    assert.equal(bobOnB.received.filter((m) => m.type === 'call.missed').length, 1, 'delivered once on node B');
    await bobOnB.close();
  });
});
