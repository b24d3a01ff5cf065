/**
 * The presence grace is a durable timer: it runs out on whichever node is alive, and a client that reconnects to
 * another node within it keeps its participation. Two nodes in one process on one database (PostgreSQL; SQLite
 * shares a file the way a restarted single node does).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { outbox } from '../support/api-assert.js';
import { type FreshDatabase, freshDatabase, type TestDialect, testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

/** A database two nodes can open (in-memory SQLite cannot be shared). */
function sharedDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'postgres') return freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
  return {
    options: { kind: 'sqlite', file: join(dir, 'switchboard.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The node stops without any of its shutdown work (as after kill -9). */
async function crash(t: TestNode): Promise<void> {
  await t.node.realtime.close();
  await t.node.app.close();
  await t.node.ctx.store.close();
}

async function liveParticipants(t: TestNode, cid: string) {
  return t.node.ctx.store.read.db
    .selectFrom('session_participants')
    .select(['connection_id', 'node_id'])
    .where('call_cid', '=', cid)
    .where('left_at', 'is', null)
    .execute();
}

for (const dialect of await testDialects()) {
  describe(`cluster: presence grace across nodes [${dialect}]`, () => {
    it('a grace period started on a node that then dies runs out on another node: the participant leaves once', async () => {
      const db = sharedDatabase(dialect);
      // A long node TTL: here the grace timer, not the dead-node reaper, makes the participant leave.
      const config = { timerSweepMs: 50, nodeTtlMs: 600_000 };
      const a = await startTestNode(dialect, { database: db, config, realtime: { presenceGraceMs: 300 } });
      let b: TestNode | undefined;
      try {
        const [owner, joiner] = [uid('owner'), uid('joiner')];
        await seedUsers(a, owner, joiner);
        const call = await createCall(a, owner, [owner, joiner]);
        const socket = await TestSocket.connect(a, joiner);
        const res = await asUser(a, joiner, 'POST', `${call.path}/join`, {}, { connection_id: socket.connectionId });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await socket.close();
        const job = `presence:${socket.connectionId}`;
        const readJob = () =>
          a.node.ctx.store.read.db.selectFrom('scheduled_jobs').select('key').where('key', '=', job).execute();
        await waitFor(async () => (await readJob()).length === 1, 'the grace to be recorded');
        await crash(a);

        b = await startTestNode(dialect, { database: db, config });
        const other = b;
        await waitFor(async () => (await liveParticipants(other, call.cid)).length === 0, 'the participant to leave');
        await waitFor(
          async () =>
            (
              await other.node.ctx.store.read.db
                .selectFrom('scheduled_jobs')
                .select('key')
                .where('key', '=', job)
                .execute()
            ).length === 0,
          'the grace job to be gone',
        );
        const types = (await outbox(other)).filter((e) => e.cid === call.cid).map((e) => e.type);
        assert.equal(types.filter((t) => t === 'call.session_participant_left').length, 1, types.join(', '));
        assert.equal(types.filter((t) => t === 'call.session_ended').length, 1, types.join(', '));
        assert.equal(types.at(-1), 'call.session_ended');
      } finally {
        await b?.stop();
        await db.drop();
      }
    });

    it('a client reconnecting to another node within the grace keeps its participation there', async () => {
      const db = sharedDatabase(dialect);
      const config = { timerSweepMs: 50, nodeTtlMs: 600_000 };
      const a = await startTestNode(dialect, { database: db, config, realtime: { presenceGraceMs: 1500 } });
      const b = await startTestNode(dialect, { database: db, config, realtime: { presenceGraceMs: 1500 } });
      try {
        const [owner, joiner] = [uid('owner'), uid('joiner')];
        await seedUsers(a, owner, joiner);
        const call = await createCall(a, owner, [owner, joiner]);
        const first = await TestSocket.connect(a, joiner);
        const res = await asUser(a, joiner, 'POST', `${call.path}/join`, {}, { connection_id: first.connectionId });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await first.close();
        await waitFor(() => a.node.realtime.stats().presencePending === 1, 'the grace to start on node A');
        await waitFor(
          async () =>
            (
              await a.node.ctx.store.read.db
                .selectFrom('scheduled_jobs')
                .select('key')
                .where('key', '=', `presence:${first.connectionId}`)
                .execute()
            ).length === 1,
          'the grace job to be written',
        );

        // The SDK's reconnect: a new connection, on node B this time, watches the call.
        const again = await TestSocket.connect(b, joiner);
        const got = await raw(b, 'GET', `/api/v2${call.path}`, {
          token: await b.userToken(joiner),
          query: { connection_id: again.connectionId },
        });
        assert.equal(got.status, 200, JSON.stringify(got.body));
        assert.deepEqual(await liveParticipants(b, call.cid), [
          { connection_id: again.connectionId, node_id: b.node.ctx.nodeId },
        ]);
        // The old connection's grace runs out (node A's bookkeeping settles): nothing hangs off it any more.
        await waitFor(() => a.node.realtime.stats().presencePending === 0, 'the grace to run out', 10_000);
        assert.equal((await liveParticipants(b, call.cid)).length, 1, 'still in the call, over node B');
        const types = (await outbox(b)).filter((e) => e.cid === call.cid).map((e) => e.type);
        assert.ok(!types.includes('call.session_participant_left'), types.join(', '));

        // Its new connection closing starts a grace on node B, which ends the session there.
        await again.close();
        await waitFor(async () => (await liveParticipants(b, call.cid)).length === 0, 'the participant to leave', 5000);
      } finally {
        await b.stop();
        await a.stop();
        await db.drop();
      }
    });
  });
}
