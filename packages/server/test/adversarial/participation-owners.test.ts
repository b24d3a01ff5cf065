/**
 * Every participation has an owner whose loss ends it: the realtime connection it joined over, or the media (SFU)
 * connection that took it over. One that gets neither — an HTTP JoinCall whose client never connects — leaves once
 * the owner deadline passed (`SWITCHBOARD_PARTICIPATION_OWNER_DEADLINE_MS`, 30 s), also when it was left behind by a
 * node that stopped; repeating the JoinCall does not extend it. One user holds at most
 * `SWITCHBOARD_MAX_PARTICIPATIONS_PER_USER_PER_CALL` participations of a call, so it cannot take every seat.
 *
 * The clock is the test's: the deadline passes when the test says so, and a heartbeat (which runs the sweep on
 * every node) is driven directly instead of waited for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/domain/clock.js';
import { joinCall, joinMedia } from '../media/support/media-join.js';
import type { SyntheticParticipant } from '../media/support/synthetic-participant.js';
import { TestSocket, waitFor } from '../realtime/support.js';
import { assertApiError, outbox, seedUsers } from '../support/api-assert.js';
import { type FreshDatabase, freshDatabase, type TestDialect, testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

/** Real time plus what the test added. */
class TestClock implements Clock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

const DEADLINE_MS = 30_000;

async function inSession(t: TestNode, userSessionId: string): Promise<boolean> {
  const row = await t.node.ctx.store.read.db
    .selectFrom('session_participants')
    .select('left_at')
    .where('user_session_id', '=', userSessionId)
    .executeTakeFirstOrThrow();
  return row.left_at === null;
}

function sharedDatabase(dialect: TestDialect): FreshDatabase {
  if (dialect === 'postgres') return freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-owners-'));
  return {
    options: { kind: 'sqlite', file: join(dir, 'switchboard.db') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const joinPath = (id: string) => `/api/v2/video/call/default/${id}/join`;

for (const dialect of await testDialects()) {
  describe(`participation owners [${dialect}]`, () => {
    const clock = new TestClock();
    let t: TestNode;
    const media: SyntheticParticipant[] = [];
    const sockets: TestSocket[] = [];
    before(async () => {
      t = await startTestNode(dialect, { clock, config: { maxParticipationsPerUserPerCall: 2 } });
      await seedUsers(t, 'gus', 'ann', 'rita', 'sam');
    });
    after(async () => {
      for (const s of sockets) s.ws.terminate();
      await Promise.all(media.map((p) => p.drop()));
      await t.stop();
    });

    it('an HTTP JoinCall nobody connects leaves after the deadline; repeating it does not extend it', async () => {
      const ghost = await joinCall(t, 'own-1', 'gus');
      media.push(await joinMedia(t, 'own-1', 'ann'));
      const held = media[0] as SyntheticParticipant;
      clock.advance(DEADLINE_MS - 1_000);
      await t.node.cluster.liveness.beat();
      assert.equal(await inSession(t, ghost.userSessionId), true, 'still in before its deadline');
      const again = await joinCall(t, 'own-1', 'gus');
      assert.equal(again.userSessionId, ghost.userSessionId, 'the same participation, with its first join time');
      clock.advance(2_000);
      await t.node.cluster.liveness.beat();
      assert.equal(await inSession(t, ghost.userSessionId), false, 'gone after its deadline');
      const left = (await outbox(t)).filter(
        (e) => e.cid === 'default:own-1' && e.type === 'call.session_participant_left',
      );
      assert.deepEqual(
        left.map(
          (e) => (e.event as unknown as { participant: { user_session_id: string } }).participant.user_session_id,
        ),
        [ghost.userSessionId],
        'announced once, and only the ghost',
      );
      assert.equal(await inSession(t, held.sessionId), true, 'the participation its media holds stays');
      assert.equal(held.closeCode, undefined, 'and its media connection too');
    });

    it('a participation held by a realtime connection stays past the deadline', async () => {
      const socket = await TestSocket.connect(t, 'rita');
      sockets.push(socket);
      const res = await raw(t, 'POST', joinPath('own-2'), {
        token: await t.userToken('rita'),
        body: { create: true },
        query: { connection_id: socket.connectionId },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const id = (res.body as { call: { session: { participants: { user_session_id: string }[] } } }).call.session
        .participants[0]?.user_session_id as string;
      clock.advance(DEADLINE_MS * 2);
      await t.node.cluster.liveness.beat();
      assert.equal(await inSession(t, id), true);
    });

    it("one user holds at most its share of a call's participations; others and a freed seat still join", async () => {
      const join = async (userId: string, socket: TestSocket) =>
        raw(t, 'POST', joinPath('own-3'), {
          token: await t.userToken(userId),
          body: { create: true },
          query: { connection_id: socket.connectionId },
        });
      const mine: TestSocket[] = [];
      for (let i = 0; i < 3; i++) mine.push(await TestSocket.connect(t, 'sam'));
      sockets.push(...mine);
      const [a, b, c] = mine as [TestSocket, TestSocket, TestSocket];
      assert.equal((await join('sam', a)).status, 200);
      const second = await join('sam', b);
      assert.equal(second.status, 200);
      assertApiError(await join('sam', c), 403, 17);
      const other = await TestSocket.connect(t, 'rita');
      sockets.push(other);
      assert.equal((await join('rita', other)).status, 200, 'another user still joins');
      const participants = (
        second.body as { call: { session: { participants: { user: { id: string }; user_session_id: string }[] } } }
      ).call.session.participants;
      const leaving = participants.filter((p) => p.user.id === 'sam')[0]?.user_session_id;
      const left = await raw(t, 'POST', `/api/v2/video/call/default/own-3/leave`, {
        token: await t.userToken('sam'),
        body: { session_id: leaving },
      });
      assert.equal(left.status, 200, JSON.stringify(left.body));
      assert.equal((await join('sam', c)).status, 200, 'a freed share joins again');
    });
    it('a user at its share who reconnects joins again over the new connection, replacing the closed one', async () => {
      const join = async (socket: TestSocket) =>
        raw(t, 'POST', joinPath('own-4'), {
          token: await t.userToken('rita'),
          body: { create: true },
          query: { connection_id: socket.connectionId },
        });
      const [first, second] = [await TestSocket.connect(t, 'rita'), await TestSocket.connect(t, 'rita')];
      sockets.push(first, second);
      const joined = await join(first);
      assert.equal(joined.status, 200);
      assert.equal((await join(second)).status, 200);
      const old = (
        joined.body as { call: { session: { participants: { user: { id: string }; user_session_id: string }[] } } }
      ).call.session.participants.find((p) => p.user.id === 'rita')?.user_session_id as string;
      await first.close();
      await waitFor(
        () =>
          t.node.ctx.store.read.db
            .selectFrom('scheduled_jobs')
            .select('key')
            .where('key', '=', `presence:${first.connectionId}`)
            .executeTakeFirst(),
        'the closed connection to start its grace period',
      );
      const third = await TestSocket.connect(t, 'rita');
      sockets.push(third);
      const again = await join(third);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(await inSession(t, old), false, 'the participation of the closed connection was replaced');
    });
  });

  describe(`participation owners across a restart [${dialect}]`, () => {
    it('a participation nobody held when its node stopped leaves after the deadline on the next node', async () => {
      const db = sharedDatabase(dialect);
      let b: TestNode | undefined;
      try {
        const a = await startTestNode(dialect, { database: db });
        await seedUsers(a, 'gus');
        const ghost = await joinCall(a, 'own-restart', 'gus');
        await a.stop();
        const clock = new TestClock();
        b = await startTestNode(dialect, { database: db, clock });
        assert.equal(await inSession(b, ghost.userSessionId), true, 'a stopped node leaves the ghost behind');
        clock.advance(DEADLINE_MS + 1_000);
        await b.node.cluster.liveness.beat();
        assert.equal(await inSession(b, ghost.userSessionId), false);
        const call = await b.node.ctx.store.read.calls.get('default:own-restart');
        assert.equal(call?.current_session_id, null, 'its session ended with it');
      } finally {
        await b?.stop();
        await db.drop();
      }
    });
  });
}
