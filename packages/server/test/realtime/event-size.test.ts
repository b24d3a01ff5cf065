/**
 * What one user can make each call event weigh (the numbers scaled down): a user who joined a call several
 * times is embedded once per event, not once per participation; an event over SWITCHBOARD_MAX_EVENT_BYTES first
 * loses embedded participants (the counts stay), and when that is not enough the write is refused with code 4 and
 * leaves nothing behind: no event in the outbox, none on the sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { asUser, createCall, seedUsers, TestSocket, uid } from './support.js';

const dialects = await testDialects();
const KB = 1024;
/** The smallest event bound the setting allows; custom objects may be up to 40 KB here, so it can be reached. */
const MAX_EVENT_BYTES = 64 * KB;

async function setUserCustom(t: TestNode, userId: string, bytes: number): Promise<void> {
  const res = await raw(t, 'POST', '/api/v2/users', {
    body: { users: { [userId]: { id: userId, custom: { blob: 'u'.repeat(bytes) } } } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** Joins `path` once per socket (a participation per connection), all as `userId`. */
async function joinOver(t: TestNode, userId: string, path: string, sockets: TestSocket[]): Promise<void> {
  for (const s of sockets) {
    const res = await asUser(t, userId, 'POST', `${path}/join`, {}, { connection_id: s.connectionId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

async function outboxRows(t: TestNode, cid: string, type: string): Promise<string[]> {
  const rows = await t.node.ctx.store.db
    .selectFrom('outbox')
    .select('payload')
    .where('call_cid', '=', cid)
    .where('event_type', '=', type)
    .execute();
  return rows.map((r) => r.payload);
}

function participantIds(event: CallEvent): string[] {
  return (event.call.session?.participants ?? []).map((p) => p.user.id);
}

function participationCount(event: CallEvent): number {
  return Object.values(event.call.session?.participants_count_by_role ?? {}).reduce((a, b) => a + b, 0);
}

for (const dialect of dialects) {
  describe(`call event size [${dialect}]`, () => {
    let t: TestNode;
    before(async () => {
      t = await startTestNode(dialect, {
        config: { media: 'off', maxCustomBytes: 40_000, maxEventBytes: MAX_EVENT_BYTES },
        realtime: { healthCheckIntervalMs: 3_600_000, idleTimeoutMs: 3_600_000 },
      });
    });
    after(async () => {
      await t?.stop();
    });

    it('embeds a user who joined several times once per event, and counts every participation', async () => {
      const user = uid('many');
      await seedUsers(t, user);
      await setUserCustom(t, user, 5 * KB);
      const call = await createCall(t, user, [user], { data: { custom: { blob: 'c'.repeat(5 * KB) } } });
      const sockets = await Promise.all([0, 1, 2].map(() => TestSocket.connect(t, user)));
      try {
        await joinOver(t, user, call.path, sockets);
        const sent = await raw(t, 'POST', `${call.path}/event`, { body: { custom: { n: 1 }, user_id: user } });
        assert.equal(sent.status, 200, JSON.stringify(sent.body));
        const [payload] = await outboxRows(t, call.cid, 'custom');
        assert.ok(payload);
        const event = JSON.parse(payload) as CallEvent;
        assert.deepEqual(participantIds(event), [user], 'one entry for the user, not one per participation');
        assert.equal(participationCount(event), 3, 'the counts still cover every participation');
        // The user's details appear as creator, as sender and once among the participants: three times.
        assert.equal(payload.split('u'.repeat(5 * KB)).length - 1, 3);
        const delivered = await sockets[0]?.event('custom', call.cid);
        assert.deepEqual(participantIds(delivered as CallEvent), [user]);
      } finally {
        await Promise.all(sockets.map((s) => s.close()));
      }
    });

    it('drops embedded participants from an event over the bound, and keeps their counts', async () => {
      const [a, b, c] = [uid('a'), uid('b'), uid('c')];
      await seedUsers(t, a, b, c);
      for (const u of [a, b, c]) await setUserCustom(t, u, 12 * KB);
      const call = await createCall(t, a, [a, b, c]);
      const sockets = await Promise.all([a, b, c].map((u) => TestSocket.connect(t, u)));
      try {
        for (const [i, u] of [a, b, c].entries()) await joinOver(t, u, call.path, [sockets[i] as TestSocket]);
        // creator 12 KB + sender 12 KB + custom 25 KB + three participants of 12 KB: over 64 KB; with one, under.
        const custom = { blob: 'e'.repeat(25 * KB) };
        const sent = await raw(t, 'POST', `${call.path}/event`, { body: { custom, user_id: a } });
        assert.equal(sent.status, 200, JSON.stringify(sent.body));
        const [payload] = await outboxRows(t, call.cid, 'custom');
        assert.ok(payload);
        assert.ok(Buffer.byteLength(payload) <= MAX_EVENT_BYTES, `${Buffer.byteLength(payload)} bytes stored`);
        const event = JSON.parse(payload) as CallEvent;
        assert.ok(participantIds(event).length < 3, 'some embedded participants were dropped');
        assert.equal(participationCount(event), 3);
        const delivered = (await sockets[1]?.event('custom', call.cid)) as CallEvent;
        assert.equal(participationCount(delivered), 3);
      } finally {
        await Promise.all(sockets.map((s) => s.close()));
      }
    });

    it('refuses with code 4 a write whose event cannot fit, and commits nothing of it', async () => {
      const user = uid('big');
      await seedUsers(t, user);
      await setUserCustom(t, user, 20 * KB);
      const call = await createCall(t, user, [user]);
      const socket = await TestSocket.connect(t, user);
      try {
        // creator 20 KB + sender 20 KB + custom 38 KB: over 64 KB with no participant to drop.
        const custom = { blob: 'x'.repeat(38 * KB) };
        const refused = await raw(t, 'POST', `${call.path}/event`, { body: { custom, user_id: user } });
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.equal((refused.body as { code: number }).code, 4);
        assert.match((refused.body as { message: string }).message, /over the 65536-byte limit/);
        assert.deepEqual(await outboxRows(t, call.cid, 'custom'), []);
        // A smaller one fits (20 + 20 + 10 KB), and is the only custom event anyone receives.
        const small = { blob: 'y'.repeat(10 * KB) };
        const sent = await raw(t, 'POST', `${call.path}/event`, { body: { custom: small, user_id: user } });
        assert.equal(sent.status, 200, JSON.stringify(sent.body));
        await socket.event('custom', call.cid);
        await socket.barrier();
        const customs = socket.events(call.cid).filter((e) => e.type === 'custom');
        assert.deepEqual(
          customs.map((e) => (e.custom as { blob: string }).blob.length),
          [10 * KB],
        );
        assert.equal((await outboxRows(t, call.cid, 'custom')).length, 1);
      } finally {
        await socket.close();
      }
    });
  });
}
