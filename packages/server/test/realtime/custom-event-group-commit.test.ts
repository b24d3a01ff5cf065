/**
 * Custom events go through the outbox group commit (services/context.ts `commitEvents`): many requests at once each
 * get their own answer, a refused one among them takes no other down, every acknowledged event is in the outbox
 * exactly once and reaches a member's WebSocket exactly once, and the events one client sends one after another
 * keep their order in the outbox and on the socket.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { outbox, seedUsers } from '../support/api-assert.js';
import { raw } from '../support/raw-http.js';
import { eachRealtimeDatabase, TestSocket, uid } from './support.js';

eachRealtimeDatabase('custom events through the group commit', {}, (node) => {
  const createCall = async (owner: string) => {
    const id = uid('burst');
    const path = `/api/v2/video/call/default/${id}`;
    const res = await raw(node(), 'POST', path, {
      body: { data: { created_by_id: owner, members: [{ user_id: owner }] } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { path, cid: `default:${id}` };
  };

  before(async () => {
    await seedUsers(node(), 'gc-owner', 'gc-sender');
  });

  it('answers each of many concurrent events; a refused one fails alone and loses no other', async () => {
    const t = node();
    const call = await createCall('gc-owner');
    const socket = await TestSocket.connect(t, 'gc-owner');
    try {
      const before = (await outbox(t)).length;
      // 60 requests in flight together; every 10th names a user that does not exist (400, nothing written).
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, n) =>
          raw(t, 'POST', `${call.path}/event`, {
            body: { user_id: n % 10 === 5 ? 'gc-nobody' : 'gc-sender', custom: { n } },
          }),
        ),
      );
      const accepted = results.flatMap((res, n) => (res.status === 200 ? [n] : []));
      for (const [n, res] of results.entries()) {
        if (n % 10 === 5) assert.equal(res.status, 400, `request ${n}: ${JSON.stringify(res.body)}`);
        else assert.equal(res.status, 200, `request ${n}: ${JSON.stringify(res.body)}`);
      }
      const written = (await outbox(t)).slice(before).filter((e) => e.cid === call.cid);
      const writtenNs = written.map((e) => (e.event.custom as { n: number }).n).sort((a, b) => a - b);
      assert.deepEqual(writtenNs, accepted, 'exactly the acknowledged events, each once');
      for (const e of written) assert.equal((e.event.user as { id: string }).id, 'gc-sender');

      await socket.barrier();
      const delivered = socket
        .events(call.cid)
        .filter((m) => m.type === 'custom')
        .map((m) => (m.custom as { n: number }).n);
      assert.deepEqual(
        [...delivered].sort((a, b) => a - b),
        accepted,
        'the member receives each acknowledged event once',
      );
      // The bus publishes in commit order: the socket sees the outbox order.
      assert.deepEqual(
        delivered,
        written.map((e) => (e.event.custom as { n: number }).n),
      );
    } finally {
      await socket.close();
    }
  });

  it('keeps the order of events one client sends one after another', async () => {
    const t = node();
    const call = await createCall('gc-owner');
    const socket = await TestSocket.connect(t, 'gc-owner');
    try {
      for (let n = 0; n < 20; n++) {
        const res = await raw(t, 'POST', `${call.path}/event`, { body: { user_id: 'gc-sender', custom: { n } } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const stored = (await outbox(t)).filter((e) => e.cid === call.cid && e.type === 'custom');
      const order = Array.from({ length: 20 }, (_, n) => n);
      assert.deepEqual(
        stored.map((e) => (e.event.custom as { n: number }).n),
        order,
      );
      await socket.barrier();
      assert.deepEqual(
        socket
          .events(call.cid)
          .filter((m) => m.type === 'custom')
          .map((m) => (m.custom as { n: number }).n),
        order,
      );
    } finally {
      await socket.close();
    }
  });
});
