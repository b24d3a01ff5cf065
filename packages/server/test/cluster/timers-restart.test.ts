/**
 * Ring timeouts are durable on both databases: a node that dies with a ring in progress (no shutdown work) and the
 * node started after it on the same database — a restarted single SQLite node, or another PostgreSQL node — fires
 * the timeout: `call.missed` once. An answer given on the second node to the first node's ring counts too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Clock } from '../../src/domain/clock.js';
import { asUser, createCall, seedUsers, uid, waitFor } from '../realtime/support.js';
import { outbox } from '../support/api-assert.js';
import { type FreshDatabase, freshDatabase, type TestDialect, testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

/** Time the test moves: the timeout is due when the test says so, however slowly the second node starts. */
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

function sharedDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'postgres') return freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
  return {
    options: { kind: 'sqlite', file: join(dir, 'switchboard.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function crash(t: TestNode): Promise<void> {
  await t.node.realtime.close();
  await t.node.app.close();
  await t.node.ctx.store.close();
}

async function quickRingType(t: TestNode, timeoutMs: number): Promise<string> {
  const name = `ring${uid('').replace(/[^a-z0-9]/gi, '')}`;
  const res = await raw(t, 'POST', '/api/v2/video/calltypes', {
    body: {
      name,
      grants: { user: ['create-call', 'read-call', 'join-call'], call_member: ['read-call', 'join-call'] },
      settings: { ring: { incoming_call_timeout_ms: timeoutMs, auto_cancel_timeout_ms: timeoutMs } },
    },
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return name;
}

for (const dialect of await testDialects()) {
  describe(`cluster: ring timeouts outlive their node [${dialect}]`, () => {
    it('the node after a dead one fires its ring timeout: call.missed once', async () => {
      const db = sharedDatabase(dialect);
      const config = { timerSweepMs: 50 };
      const clock = new TestClock();
      const a = await startTestNode(dialect, { database: db, config, clock });
      let b: TestNode | undefined;
      try {
        const type = await quickRingType(a, 60_000);
        const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
        await seedUsers(a, alice, bob, carol);
        const call = await createCall(a, alice, [alice, bob, carol], { ring: true }, type);
        await crash(a);
        b = await startTestNode(dialect, { database: db, config, clock });
        // carol answers on the second node: she has not missed the call, bob has.
        const rejected = await asUser(b, carol, 'POST', `${call.path}/reject`, {});
        assert.ok(rejected.status === 200 || rejected.status === 201, JSON.stringify(rejected.body));
        const other = b;
        clock.advance(61_000); // the timeout is due (its node's own timer, a real minute away, died with it)
        await waitForMissed(other, call.cid);
        // The ring's job went in the transaction that emitted call.missed: nothing can fire it again.
        const jobs = await other.node.ctx.store.read.db.selectFrom('scheduled_jobs').select('key').execute();
        assert.deepEqual(jobs, [], 'no timer left behind');
        const missed = (await outbox(other)).filter((e) => e.cid === call.cid && e.type === 'call.missed');
        assert.equal(missed.length, 1);
        const members = (missed[0]?.event as unknown as { members: { user_id: string }[] }).members;
        assert.deepEqual(
          members.map((m) => m.user_id),
          [bob],
        );
        const row = await other.node.ctx.store.read.calls.get(call.cid);
        assert.equal(row?.current_session_id, null, 'the unanswered ring ended its session');
      } finally {
        await b?.stop();
        await db.drop();
      }
    });
  });
}

async function waitForMissed(t: TestNode, cid: string) {
  return waitFor(async () => {
    const found = (await outbox(t)).filter((e) => e.cid === cid && e.type === 'call.missed');
    return found.length > 0 ? found : undefined;
  }, 'call.missed');
}
