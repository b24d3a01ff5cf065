/**
 * Participants that never leave (issue 8, finding 10). A node that dies holding WebSocket participants used to
 * leave them in the session forever (`ongoing` true) after a restart; a node stopped with SIGTERM left them too.
 * Now the participations of a node whose heartbeat is older than the node TTL leave (on whichever node notices:
 * here the next one). A node stopped with SIGTERM hands its participants over instead (a rolling restart must not
 * drop anyone): they stay through the presence grace, for a reconnect to take them over on another node, and leave
 * when it runs out there. Two nodes share one database here, one after the other, as a restart does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { outbox } from '../support/api-assert.js';
import { type FreshDatabase, freshDatabase, type TestDialect, testDialects } from '../support/databases.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

/** A database two nodes can open one after the other (in-memory SQLite cannot be shared). */
function sharedDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'postgres') return freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
  return {
    options: { kind: 'sqlite', file: join(dir, 'switchboard.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A node with a call whose session holds one participant joined over a WebSocket. */
async function nodeWithParticipant(db: FreshDatabase, dialect: TestDialect, presenceGraceMs = 60_000) {
  const t = await startTestNode(dialect, { database: db, realtime: { presenceGraceMs } });
  const [owner, joiner] = [uid('owner'), uid('joiner')];
  await seedUsers(t, owner, joiner);
  const call = await createCall(t, owner, [owner, joiner]);
  const socket = await TestSocket.connect(t, joiner);
  const res = await asUser(t, joiner, 'POST', `${call.path}/join`, {}, { connection_id: socket.connectionId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { t, call };
}

async function liveParticipants(t: TestNode, cid: string): Promise<number> {
  const rows = await t.node.ctx.store.read.db
    .selectFrom('session_participants')
    .select('user_session_id')
    .where('call_cid', '=', cid)
    .where('left_at', 'is', null)
    .execute();
  return rows.length;
}

async function assertSessionEnded(t: TestNode, cid: string): Promise<void> {
  const row = await t.node.ctx.store.read.calls.get(cid);
  assert.equal(row?.current_session_id, null, 'the call is not ongoing');
  const types = (await outbox(t)).filter((e) => e.cid === cid).map((e) => e.type);
  assert.ok(types.includes('call.session_participant_left'), `participant_left committed: ${types.join(', ')}`);
  assert.equal(types.at(-1), 'call.session_ended', `the session ended last: ${types.join(', ')}`);
}

for (const dialect of await testDialects()) {
  describe(`adversarial: participants of a stopped node [${dialect}]`, () => {
    it('a node that died holding participants: the next node makes them leave after the node TTL', async () => {
      const db = sharedDatabase(dialect);
      let next: TestNode | undefined;
      try {
        const { t, call } = await nodeWithParticipant(db, dialect);
        assert.equal(await liveParticipants(t, call.cid), 1, 'in the session when the node dies');
        // A crash: the database connection goes first (nothing the node does afterwards reaches it: no presence
        // grace is written for the sockets that close), then the sockets and the process.
        await t.node.ctx.store.close();
        await t.node.realtime.close();
        await t.node.app.close();
        next = await startTestNode(dialect, {
          database: db,
          realtime: { presenceGraceMs: 60_000 },
          config: { nodeTtlMs: 300 },
        });
        const restarted = next;
        await waitFor(async () => (await liveParticipants(restarted, call.cid)) === 0, 'the orphans to leave', 5000);
        await assertSessionEnded(restarted, call.cid);
      } finally {
        await next?.stop();
        await db.drop();
      }
    });

    it('a node stopped cleanly (SIGTERM) hands its participants over: they leave when the grace runs out elsewhere', async () => {
      const db = sharedDatabase(dialect);
      let next: TestNode | undefined;
      try {
        const { t, call } = await nodeWithParticipant(db, dialect, 5000);
        await t.stop(); // what main.ts runs on SIGTERM: node.close()
        next = await startTestNode(dialect, { database: db, realtime: { presenceGraceMs: 5000 } });
        // The grace job was written before the node closed, so right after the stop the participant is still in.
        const rows = await next.node.ctx.store.read.db
          .selectFrom('scheduled_jobs')
          .select('key')
          .where('key', 'like', 'presence:%')
          .execute();
        assert.equal(rows.length, 1, 'the stopped node left a presence grace behind');
        assert.equal(await liveParticipants(next, call.cid), 1, 'still in the session after the stop');
        const restarted = next;
        await waitFor(async () => (await liveParticipants(restarted, call.cid)) === 0, 'the grace to run out', 20_000);
        await assertSessionEnded(next, call.cid);
        const left = (await outbox(next)).filter(
          (e) => e.cid === call.cid && e.type === 'call.session_participant_left',
        );
        assert.equal(left.length, 1, 'left once');
      } finally {
        await next?.stop();
        await db.drop();
      }
    });
  });
}
