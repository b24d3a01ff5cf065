/**
 * Side effects that status codes alone do not show (issue 8, findings 13 and 14): a refused ring on create leaves
 * no call behind, a default ring skips members already in the session, re-joining replaces the lost connection's
 * participation in that call only, and a ring tick whose transaction failed is retried, so `call.missed` is not
 * lost.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { asUser, createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { assertApiError, outbox } from '../support/api-assert.js';
import { raw } from '../support/raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const FAST = 'adv_fastring';

/** Grace long enough that no participation expires by itself during a test. */
eachRealtimeDatabase('adversarial: ringing and presence side effects', { presenceGraceMs: 60_000 }, (node) => {
  before(async () => {
    const res = await raw(node(), 'POST', '/api/v2/video/calltypes', {
      body: {
        name: FAST,
        grants: {
          user: ['create-call', 'read-call', 'join-call'],
          call_member: ['read-call', 'join-call'],
        },
        settings: { ring: { incoming_call_timeout_ms: 200, auto_cancel_timeout_ms: 200 } },
      },
    });
    assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  });

  /** Rows and events stored for a cid: nothing at all after a refused create. */
  async function traces(cid: string) {
    const db = node().node.ctx.store.read.db;
    const calls = await db.selectFrom('calls').select('cid').where('cid', '=', cid).execute();
    const members = await db.selectFrom('call_members').select('user_id').where('call_cid', '=', cid).execute();
    const events = (await outbox(node())).filter((e) => e.cid === cid);
    return { calls: calls.length, members: members.length, events: events.length };
  }

  it('a refused ring on create (caller not among the members) leaves no call, members or events', async () => {
    const [dan, bob, carol] = [uid('dan'), uid('bob'), uid('carol')];
    await seedUsers(node(), dan, bob, carol);
    const id = uid('ring-refused');
    const members = [bob, carol].map((user_id) => ({ user_id }));
    const created = await asUser(node(), dan, 'POST', `/video/call/default/${id}`, { data: { members }, ring: true });
    assertApiError(created, 403, 17, { mentions: 'must be a member' });
    assert.deepEqual(await traces(`default:${id}`), { calls: 0, members: 0, events: 0 });

    const joinId = uid('join-refused');
    const joined = await asUser(node(), dan, 'POST', `/video/call/default/${joinId}/join`, {
      create: true,
      ring: true,
      data: { members },
    });
    assertApiError(joined, 403, 17, { mentions: 'must be a member' });
    assert.deepEqual(await traces(`default:${joinId}`), { calls: 0, members: 0, events: 0 });
  });

  it('a default ring does not ring members already in the session', async () => {
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    await seedUsers(node(), alice, bob, carol);
    const call = await createCall(node(), alice, [alice, bob, carol]);
    assert.equal((await asUser(node(), bob, 'POST', `${call.path}/join`, {})).status, 200);
    const rung = await asUser(node(), alice, 'POST', `${call.path}/ring`, {});
    assert.equal(rung.status, 200, JSON.stringify(rung.body));
    assert.deepEqual((rung.body as Json).members_ids, [carol]);
    const ring = (await outbox(node())).filter((e) => e.cid === call.cid && e.type === 'call.ring').at(-1);
    assert.deepEqual(
      (ring?.event.members as { user_id: string }[]).map((m) => m.user_id),
      [carol],
      'the ring event names only who is rung',
    );
  });

  it('joining again over a new connection ends the lost participation in that call only', async () => {
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(node(), owner, joiner);
    const [callA, callB] = [
      await createCall(node(), owner, [owner, joiner]),
      await createCall(node(), owner, [owner, joiner]),
    ];
    const lost = await TestSocket.connect(node(), joiner);
    for (const call of [callA, callB]) {
      const res = await asUser(node(), joiner, 'POST', `${call.path}/join`, {}, { connection_id: lost.connectionId });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    await lost.close();
    await waitFor(() => node().node.realtime.stats().presencePending > 0, 'the server to notice the closed connection');
    const back = await TestSocket.connect(node(), joiner);
    const rejoin = await asUser(node(), joiner, 'POST', `${callA.path}/join`, {}, { connection_id: back.connectionId });
    assert.equal(rejoin.status, 200, JSON.stringify(rejoin.body));
    const live = async (cid: string) =>
      node()
        .node.ctx.store.read.db.selectFrom('session_participants')
        .select('connection_id')
        .where('call_cid', '=', cid)
        .where('left_at', 'is', null)
        .execute();
    assert.deepEqual(await live(callA.cid), [{ connection_id: back.connectionId }], 'A: only the new participation');
    assert.deepEqual(
      await live(callB.cid),
      [{ connection_id: lost.connectionId }],
      'B: the lost participation waits for its grace period',
    );
    await back.close();
  });

  it('a ring tick whose transaction failed is retried: call.missed is not lost', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await seedUsers(node(), alice, bob);
    const store = node().node.ctx.store;
    const transaction = store.transaction.bind(store);
    let failures = 0;
    let broken = false;
    // The next transactions of this node fail (as if the database were briefly unreachable) until repaired.
    store.transaction = ((work: Parameters<typeof transaction>[0]) => {
      if (!broken) return transaction(work);
      failures += 1;
      return Promise.reject(new Error('database unavailable (test)'));
    }) as typeof store.transaction;
    try {
      const call = await createCall(node(), alice, [alice, bob], {}, FAST);
      const rung = await asUser(node(), alice, 'POST', `${call.path}/ring`, {});
      assert.equal(rung.status, 200, JSON.stringify(rung.body));
      broken = true;
      await waitFor(() => failures > 0, 'the ring tick to fail');
      broken = false;
      const missed = await waitFor(
        async () => (await outbox(node())).find((e) => e.cid === call.cid && e.type === 'call.missed'),
        'call.missed after the retry',
        5000,
      );
      assert.deepEqual(
        (missed.event.members as { user_id: string }[]).map((m) => m.user_id),
        [bob],
      );
    } finally {
      broken = false;
      store.transaction = transaction;
    }
  });
});
