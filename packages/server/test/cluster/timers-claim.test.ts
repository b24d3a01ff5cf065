/**
 * Durable timers and dead-node reaping with several nodes on one PostgreSQL schema, in one process: racing
 * claimers never run a job twice, a ring timeout raced by two nodes emits `call.missed` once, and a dead node's
 * participant leaves once however many nodes reap at the same moment. Time is a test clock the test moves, so the
 * races are the test's own (no node's timer fires first on its own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/domain/clock.js';
import { ringTimedOut } from '../../src/services/ringing.js';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { outbox } from '../support/api-assert.js';
import { type FreshDatabase, freshDatabase, postgresSkipReason } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

class TestClock implements Clock {
  /** Real time plus what the test added: tokens signed now stay valid, and the test decides when timers are due. */
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

const skip = await postgresSkipReason();

describe('cluster: claims and races on one PostgreSQL [postgres]', { skip }, () => {
  let db: FreshDatabase;
  const clock = new TestClock();
  const nodes: TestNode[] = [];
  // No background sweep during the test (10 min), heartbeats far apart: every race below is started by the test.
  const config = { timerSweepMs: 600_000, nodeTtlMs: 600_000 };

  before(async () => {
    db = freshDatabase('postgres');
    for (let i = 0; i < 3; i++) nodes.push(await startTestNode('postgres', { database: db, clock, config }));
  });
  after(async () => {
    for (const t of nodes.slice(1)) await t.stop();
    await db.drop();
  });

  it('parallel sweeps on two nodes split the due jobs: every job runs exactly once', async () => {
    const [a, b] = [nodes[0] as TestNode, nodes[1] as TestNode];
    const runs = new Map<string, string[]>();
    for (const [name, t] of [
      ['a', a],
      ['b', b],
    ] as const) {
      t.node.cluster.timers.handle('probe', async (job) => {
        runs.set(job.key, [...(runs.get(job.key) ?? []), name]);
        await t.node.ctx.store.transaction((tx) => t.node.cluster.timers.delete(tx, job.key, job.token));
      });
    }
    const count = 250; // more than two batches of 100
    const due = clock.now().getTime() - 3_600_000;
    await a.node.ctx.store.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        await a.node.cluster.timers.put(tx, { key: `probe:${i}`, kind: 'probe', dueAt: due, payload: { i } });
      }
    });
    for (;;) {
      const ran = await Promise.all([a, b, a, b].map((t) => t.node.cluster.timers.sweep()));
      if (ran.every((n) => n === 0)) break;
    }
    assert.equal(runs.size, count, 'every job ran');
    const twice = [...runs].filter(([, by]) => by.length !== 1);
    assert.deepEqual(twice, [], 'no job ran more than once');
    const byA = [...runs.values()].filter((by) => by[0] === 'a').length;
    assert.ok(byA > 0 && byA < count, `both nodes took jobs (a: ${byA}, b: ${count - byA})`);
    const left = await a.node.ctx.store.read.db.selectFrom('scheduled_jobs').select('key').execute();
    assert.deepEqual(left, []);
  });

  it('a ring timeout raced by two nodes: call.missed once, and the ring is gone', async () => {
    const [a, b] = [nodes[0] as TestNode, nodes[1] as TestNode];
    const type = uid('quickring').replace(/[^a-z0-9]/gi, '');
    const created = await raw(a, 'POST', '/api/v2/video/calltypes', {
      body: {
        name: type,
        grants: { user: ['create-call', 'read-call', 'join-call'], call_member: ['read-call', 'join-call'] },
        settings: { ring: { incoming_call_timeout_ms: 60_000, auto_cancel_timeout_ms: 60_000 } },
      },
    });
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.body));
    const [alice, bob] = [uid('alice'), uid('bob')];
    await seedUsers(a, alice, bob);
    const call = await createCall(a, alice, [alice, bob], { ring: true }, type);
    clock.advance(61_000); // due now for every node, while no node's own timer (a real minute away) has fired
    await Promise.all([a, b, a, b].map((t) => ringTimedOut(t.node.ctx, call.cid)));
    const missed = (await outbox(a)).filter((e) => e.cid === call.cid && e.type === 'call.missed');
    assert.equal(missed.length, 1, 'one call.missed');
    assert.deepEqual(
      (missed[0]?.event as unknown as { members: { user_id: string }[] }).members.map((m) => m.user_id),
      [bob],
    );
    const ring = await a.node.ctx.store.read.db
      .selectFrom('scheduled_jobs')
      .select('key')
      .where('key', '=', `ring:${call.cid}`)
      .execute();
    assert.deepEqual(ring, [], 'the ended ring holds no job');
  });

  it('a dead node: its participant leaves once although two nodes reap it at the same moment', async () => {
    const [dead, b, c] = nodes as [TestNode, TestNode, TestNode];
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(dead, owner, joiner);
    const call = await createCall(dead, owner, [owner, joiner]);
    const socket = await TestSocket.connect(dead, joiner);
    const joined = await asUser(dead, joiner, 'POST', `${call.path}/join`, {}, { connection_id: socket.connectionId });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const [participant] = await b.node.ctx.store.read.db
      .selectFrom('session_participants')
      .select('node_id')
      .where('call_cid', '=', call.cid)
      .execute();
    assert.equal(participant?.node_id, dead.node.ctx.nodeId, 'the participation names the node holding it');
    // The node dies: no shutdown work, and its heartbeat stops (here: last seen an hour ago). Its database
    // connection goes first, so the sockets closing after it write no presence grace (as after kill -9).
    await dead.node.ctx.store.close();
    await dead.node.realtime.close();
    await dead.node.app.close();
    const longAgo = new Date(clock.now().getTime() - 3_600_000).toISOString();
    await b.node.ctx.store.read.db
      .updateTable('cluster_nodes')
      .set({ last_seen_at: longAgo })
      .where('node_id', '=', dead.node.ctx.nodeId)
      .execute();

    const reaped = await Promise.all([b, c, b, c].map((t) => t.node.cluster.liveness.reap()));
    assert.deepEqual(
      reaped.flat().filter((id) => id === dead.node.ctx.nodeId),
      [dead.node.ctx.nodeId],
      'one reaper removed the dead node',
    );
    const events = (await outbox(b)).filter((e) => e.cid === call.cid).map((e) => e.type);
    assert.equal(events.filter((t) => t === 'call.session_participant_left').length, 1, events.join(', '));
    assert.equal(events.filter((t) => t === 'call.session_ended').length, 1, events.join(', '));
    assert.equal(events.at(-1), 'call.session_ended');
    const row = await b.node.ctx.store.read.calls.get(call.cid);
    assert.equal(row?.current_session_id, null, 'the call is not ongoing');
    const live = await b.node.ctx.store.read.db.selectFrom('cluster_nodes').select('node_id').execute();
    assert.deepEqual(
      live.map((n) => n.node_id).sort(),
      [b.node.ctx.nodeId, c.node.ctx.nodeId].sort(),
      'the live nodes keep their rows',
    );
    await waitFor(() => socket.ws.readyState === socket.ws.CLOSED, 'the dead node dropped its socket');
  });
});
