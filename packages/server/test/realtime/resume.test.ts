/**
 * Resuming a realtime connection (docs/realtime.md "Resuming"): a client that lost its socket reconnects with the
 * id of the last event it received and the calls it watched, and receives every event it missed, once, in order,
 * then live events; an id the outbox no longer has, or more missed events than the bound, answer
 * `connection.resync`. Raw sockets speak the wire protocol here (the SDK's side is in client-sdk-resume.test.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DeliveryStore } from '../../src/delivery/delivery-store.js';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';
import {
  asUser,
  createCall,
  eachRealtimeDatabase,
  type Message,
  seedUsers,
  TestSocket,
  uid,
  waitFor,
} from './support.js';

async function sendCustom(t: TestNode, userId: string, path: string, n: number): Promise<void> {
  const res = await asUser(t, userId, 'POST', `${path}/event`, { custom: { n } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const customN = (m: Message) => (m.custom as { n: number }).n;

/** Connects as `userId` resuming from `lastEventId`; answers the socket (connection.ok already received). */
async function resume(t: TestNode, userId: string, resumeFields: Record<string, unknown>): Promise<TestSocket> {
  const socket = await TestSocket.open(t);
  socket.send({ token: await t.userToken(userId), products: ['video'], user_details: { id: userId }, ...resumeFields });
  const ok = await socket.next((m) => m.type === 'connection.ok' || m.type === 'connection.error', 'handshake');
  assert.equal(ok.type, 'connection.ok', JSON.stringify(ok));
  socket.connectionId = ok.connection_id as string;
  return socket;
}

eachRealtimeDatabase('realtime: resume after a reconnect', {}, (node) => {
  it('a watcher resumes from its last event: the missed events once and in order, then live ones', async () => {
    const t = node();
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(t, owner, watcher);
    const call = await createCall(t, owner, [owner]);
    const first = await TestSocket.connect(t, watcher);
    const watch = await asUser(t, watcher, 'GET', call.path, undefined, { connection_id: first.connectionId });
    assert.equal(watch.status, 200, JSON.stringify(watch.body));
    await sendCustom(t, owner, call.path, 0);
    const seen = await first.event('custom', call.cid);
    await first.close();

    for (let n = 1; n <= 5; n++) await sendCustom(t, owner, call.path, n);
    const second = await resume(t, watcher, { last_event_id: seen.id, watch_call_cids: [call.cid] });
    try {
      await sendCustom(t, owner, call.path, 6);
      await second.next((m) => m.type === 'custom' && customN(m) === 6, 'the live event');
      await second.barrier();
      const customs = second.events(call.cid).filter((m) => m.type === 'custom');
      // The look-back may repeat the resume point itself: a client drops what it has by id.
      const fresh = customs.filter((m) => m.id !== seen.id);
      assert.deepEqual(fresh.map(customN), [1, 2, 3, 4, 5, 6]);
      assert.equal(new Set(customs.map((m) => m.id)).size, customs.length, 'no event sent twice');
    } finally {
      await second.close();
    }
  });

  it('a member is replayed the events of its calls without naming them; a call it cannot read is not watched', async () => {
    const t = node();
    const [owner, member, stranger] = [uid('owner'), uid('member'), uid('stranger')];
    await seedUsers(t, owner, member, stranger);
    const call = await createCall(t, owner, [owner, member]);
    // Not readable by `member`: a call type whose grants let only its members read it.
    const type = await raw(t, 'POST', '/api/v2/video/calltypes', {
      body: {
        name: uid('private').replace(/-/g, '_').toLowerCase(),
        grants: { user: ['create-call'], call_member: ['read-call', 'send-event'] },
      },
    });
    assert.ok(type.status < 300, JSON.stringify(type.body));
    const first = await TestSocket.connect(t, member);
    await sendCustom(t, owner, call.path, 0);
    const seen = await first.event('custom', call.cid);
    await first.close();
    for (let n = 1; n <= 3; n++) await sendCustom(t, owner, call.path, n);
    const other = await createCall(t, stranger, [stranger], {}, type.body.name as string);
    await sendCustom(t, stranger, other.path, 99);

    const second = await resume(t, member, { last_event_id: seen.id, watch_call_cids: [other.cid] });
    try {
      await second.next((m) => m.type === 'custom' && customN(m) === 3, 'the last missed event');
      await second.barrier();
      const fresh = second.events(call.cid).filter((m) => m.type === 'custom' && m.id !== seen.id);
      assert.deepEqual(fresh.map(customN), [1, 2, 3]);
      assert.deepEqual(second.events(other.cid), [], 'events of a call the member may not read');
    } finally {
      await second.close();
    }
  });

  it('connection.ok names the newest event: a client that received none resumes from it', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call = await createCall(t, owner, [owner, member]);
    const first = await TestSocket.connect(t, member);
    const ok = first.received.find((m) => m.type === 'connection.ok');
    assert.equal(typeof ok?.last_event_id, 'string', JSON.stringify(ok));
    await first.close();
    await sendCustom(t, owner, call.path, 1);
    const second = await resume(t, member, { last_event_id: ok?.last_event_id });
    try {
      const event = await second.event('custom', call.cid);
      assert.equal(customN(event), 1);
    } finally {
      await second.close();
    }
  });

  it('an unknown event id answers connection.resync, then live events flow', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call = await createCall(t, owner, [owner, member]);
    const socket = await resume(t, member, { last_event_id: 'no-such-event', watch_call_cids: [call.cid] });
    try {
      const resync = await socket.next((m) => m.type === 'connection.resync', 'resync');
      assert.equal(resync.reason, 'unknown_event');
      assert.equal(resync.last_event_id, 'no-such-event');
      assert.equal(resync.connection_id, socket.connectionId);
      await sendCustom(t, owner, call.path, 1);
      assert.equal(customN(await socket.event('custom', call.cid)), 1);
    } finally {
      await socket.close();
    }
  });

  it('an event purged after the retention (in bounded batches) answers resync; unrelayed events stay', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call = await createCall(t, owner, [owner, member]);
    const first = await TestSocket.connect(t, member);
    for (let n = 0; n < 5; n++) await sendCustom(t, owner, call.path, n);
    const seen = await first.next((m) => m.type === 'custom' && customN(m) === 4, 'the events');
    await first.close();
    const db = t.node.ctx.store.db;
    const rowsOfCall = () =>
      db.selectFrom('outbox').select(['id', 'relayed_at']).where('call_cid', '=', call.cid).execute();
    await waitFor(async () => (await rowsOfCall()).every((r) => r.relayed_at !== null), 'the events to be relayed');
    // Relayed long ago, as after the retention.
    await db
      .updateTable('outbox')
      .set({ relayed_at: '2000-01-01T00:00:00.000Z' })
      .where('call_cid', '=', call.cid)
      .execute();
    const purged = await new DeliveryStore(db, t.node.ctx.store.dialect).purge('2001-01-01T00:00:00.000Z', 2);
    assert.ok(purged.events >= 5, JSON.stringify(purged));
    assert.deepEqual(await rowsOfCall(), []);
    const other = await createCall(t, owner, [owner, member]);
    assert.ok((await db.selectFrom('outbox').select('id').where('call_cid', '=', other.cid).execute()).length > 0);

    const second = await resume(t, member, { last_event_id: seen.id });
    try {
      const resync = await second.next((m) => m.type === 'connection.resync', 'resync');
      assert.equal(resync.reason, 'unknown_event');
    } finally {
      await second.close();
    }
  });

  it('a malformed resume is refused with code 4 naming the field', async () => {
    const t = node();
    const user = uid('user');
    await seedUsers(t, user);
    for (const [fields, field] of [
      [{ last_event_id: 5 }, 'last_event_id'],
      [{ last_event_id: 'x'.repeat(65) }, 'last_event_id'],
      [{ last_event_id: 'e', watch_call_cids: 'default:a' }, 'watch_call_cids'],
      [{ last_event_id: 'e', watch_call_cids: ['no-colon'] }, 'watch_call_cids'],
      [
        { last_event_id: 'e', watch_call_cids: Array.from({ length: 101 }, (_, i) => `default:c${i}`) },
        'watch_call_cids',
      ],
      [{ watch_call_cids: ['default:a'] }, 'watch_call_cids'],
    ] as const) {
      const socket = await TestSocket.open(t);
      socket.send({ token: await t.userToken(user), user_details: { id: user }, ...fields });
      const answer = await socket.next((m) => m.type === 'connection.error' || m.type === 'connection.ok', 'answer');
      assert.equal(answer.type, 'connection.error', JSON.stringify(fields));
      const error = answer.error as { code: number; message: string };
      assert.equal(error.code, 4, JSON.stringify(answer));
      assert.match(error.message, new RegExp(field));
      await socket.closed;
    }
  });
});

eachRealtimeDatabase('realtime: resume replay bound', { resumeMaxEvents: 3 }, (node) => {
  it('more missed events than the bound answer connection.resync and replay none', async () => {
    const t = node();
    const [owner, member] = [uid('owner'), uid('member')];
    await seedUsers(t, owner, member);
    const call = await createCall(t, owner, [owner, member]);
    const first = await TestSocket.connect(t, member);
    await sendCustom(t, owner, call.path, 0);
    const seen = await first.event('custom', call.cid);
    await first.close();
    for (let n = 1; n <= 3; n++) await sendCustom(t, owner, call.path, n);
    const within = await resume(t, member, { last_event_id: seen.id });
    try {
      await within.next((m) => m.type === 'custom' && customN(m) === 3, 'the replay within the bound');
    } finally {
      await within.close();
    }
    await sendCustom(t, owner, call.path, 4);
    const past = await resume(t, member, { last_event_id: seen.id });
    try {
      const resync = await past.next((m) => m.type === 'connection.resync', 'resync');
      assert.equal(resync.reason, 'too_many_events');
      await past.barrier();
      assert.deepEqual(past.events(call.cid), [], 'nothing replayed past the bound');
    } finally {
      await past.close();
    }
  });
});
