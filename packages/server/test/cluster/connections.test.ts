/**
 * `connection_id` across nodes: a connection held by node A is used in requests served by node B — watching a call,
 * joining over it — and is refused to another user or when unknown, as on one node. Rings reach callees connected
 * to any node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { Cluster } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();

describe('connections across nodes', { skip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start(2);
  });
  after(async () => {
    await cluster?.close();
  });
  const a = () => cluster.node(0).view;
  const b = () => cluster.node(1).view;

  it('watching a call from node B for a connection held by node A delivers the call events to it', async () => {
    const [owner, watcher] = [uid('owner'), uid('watcher')];
    await seedUsers(a(), owner, watcher);
    const call = await createCall(a(), owner, [owner]);
    const ws = await TestSocket.connect(a(), watcher);
    try {
      const watch = await asUser(b(), watcher, 'GET', call.path, undefined, { connection_id: ws.connectionId });
      assert.equal(watch.status, 200, JSON.stringify(watch.body));
      const update = await asUser(b(), owner, 'PATCH', call.path, { custom: { seen: true } });
      assert.equal(update.status, 200);
      const event = await ws.event('call.updated', call.cid);
      assert.deepEqual((event.call as unknown as { custom: unknown }).custom, { seen: true });
    } finally {
      await ws.close();
    }
  });

  it('refuses another user’s connection and an unknown one on node B, as on one node', async () => {
    const [owner, other] = [uid('owner'), uid('other')];
    await seedUsers(a(), owner, other);
    const call = await createCall(a(), owner, [owner, other]);
    const ws = await TestSocket.connect(a(), owner);
    try {
      const foreign = await asUser(b(), other, 'GET', call.path, undefined, { connection_id: ws.connectionId });
      assert.equal(foreign.status, 400);
      assert.match(String(foreign.body.message), /connection_id|another user/);
      const unknown = await asUser(b(), owner, 'GET', call.path, undefined, { connection_id: 'no-such-connection' });
      assert.equal(unknown.status, 400);
      assert.match(String(unknown.body.message), /not open/);
    } finally {
      await ws.close();
    }
  });

  it('a connection closed on node A is refused on node B', async () => {
    const owner = uid('owner');
    await seedUsers(a(), owner);
    const call = await createCall(a(), owner, [owner]);
    const ws = await TestSocket.connect(a(), owner);
    const id = ws.connectionId;
    await ws.close();
    // The release is asynchronous on A: poll until B no longer accepts the id.
    const refused = await waitFor(async () => {
      const res = await asUser(b(), owner, 'GET', call.path, undefined, { connection_id: id });
      return res.status !== 200 && res;
    }, 'node B to refuse the closed connection');
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.message), /not open/);
  });

  it('joining on node B over a connection of node A: the joiner sees its own join there', async () => {
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(a(), owner, joiner);
    const call = await createCall(a(), owner, [owner, joiner]);
    const ws = await TestSocket.connect(a(), joiner);
    try {
      const join = await asUser(b(), joiner, 'POST', `${call.path}/join`, {}, { connection_id: ws.connectionId });
      assert.equal(join.status, 200, JSON.stringify(join.body));
      const joined = await ws.event('call.session_participant_joined', call.cid);
      assert.equal((joined.participant as unknown as { user: { id: string } }).user.id, joiner);
      const leave = await asUser(b(), joiner, 'POST', `${call.path}/leave`, {});
      assert.equal(leave.status, 200, JSON.stringify(leave.body));
    } finally {
      await ws.close();
    }
  });

  it('a ring requested on node B reaches a callee connected to node A', async () => {
    const [caller, callee] = [uid('caller'), uid('callee')];
    await seedUsers(a(), caller, callee);
    const ws = await TestSocket.connect(a(), callee);
    try {
      const id = uid('call');
      const res = await asUser(b(), caller, 'POST', `/video/call/default/${id}`, {
        data: { members: [{ user_id: caller }, { user_id: callee }] },
        ring: true,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const ring = await ws.event('call.ring', `default:${id}`);
      assert.equal((ring.user as unknown as { id: string }).id, caller);
    } finally {
      await ws.close();
    }
  });
});
