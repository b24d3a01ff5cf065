/**
 * Draining hands participations over instead of ending them: a node stopped gracefully (SIGTERM's `close()`) closes
 * its WebSockets with 4010 and leaves their participations in the presence grace (durable jobs), so they survive the
 * node's stop (and the survivor's orphan sweep) and leave once, when the grace runs out on the surviving node.
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

function sharedDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'postgres') return freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-drain-'));
  return {
    options: { kind: 'sqlite', file: join(dir, 'switchboard.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function liveParticipants(t: TestNode, cid: string) {
  return t.node.ctx.store.read.db
    .selectFrom('session_participants')
    .select(['user_session_id', 'connection_id', 'node_id'])
    .where('call_cid', '=', cid)
    .where('left_at', 'is', null)
    .execute();
}

async function eventTypes(t: TestNode, cid: string): Promise<string[]> {
  return (await outbox(t)).filter((e) => e.cid === cid).map((e) => e.type);
}

for (const dialect of await testDialects()) {
  describe(`cluster: draining hands participations over [${dialect}]`, () => {
    it('a participant whose client does not come back leaves once, when the grace runs out on another node', async () => {
      const db = sharedDatabase(dialect);
      const config = { timerSweepMs: 50, nodeTtlMs: 1000 };
      const a = await startTestNode(dialect, { database: db, config, realtime: { presenceGraceMs: 1000 } });
      const b = await startTestNode(dialect, { database: db, config });
      try {
        const [owner, joiner] = [uid('owner'), uid('joiner')];
        await seedUsers(a, owner, joiner);
        const call = await createCall(a, owner, [owner, joiner]);
        const socket = await TestSocket.connect(a, joiner);
        const res = await asUser(a, joiner, 'POST', `${call.path}/join`, {}, { connection_id: socket.connectionId });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await a.stop();
        assert.equal((await socket.closed).code, 4010);
        assert.equal((await liveParticipants(b, call.cid)).length, 1, 'handed over, not ended at once');
        await waitFor(async () => (await liveParticipants(b, call.cid)).length === 0, 'the grace to run out');
        const types = await eventTypes(b, call.cid);
        assert.equal(types.filter((t) => t === 'call.session_participant_left').length, 1, types.join(', '));
      } finally {
        await b.stop();
        await db.drop();
      }
    });
  });
}
