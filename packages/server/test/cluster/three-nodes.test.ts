/**
 * Three node processes on one PostgreSQL schema and one Redis behave like one node: events caused on any node reach
 * a client of any other, in order; a read right after a write elsewhere sees the write (no stale cache); concurrent
 * get-or-create of one call across the nodes creates it once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { asUser, createCall, seedUsers, TestSocket, uid } from '../realtime/support.js';
import { POSTGRES_URL } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { Cluster } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();

describe('three nodes, one database, one Redis', { skip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start(3);
  });
  after(async () => {
    await cluster?.close();
  });
  const a = () => cluster.node(0).view;
  const b = () => cluster.node(1).view;
  const c = () => cluster.node(2).view;

  it('a client on node A receives, in order, every event caused by requests to nodes B and C', async () => {
    const owner = uid('owner');
    const watcher = uid('watcher');
    await seedUsers(b(), owner, watcher);
    const call = await createCall(b(), owner, [owner]);
    const ws = await TestSocket.connect(a(), watcher);
    try {
      // The watcher is not a member: it receives the call's events because it watches it from node A.
      const watch = await asUser(a(), watcher, 'GET', call.path, undefined, { connection_id: ws.connectionId });
      assert.equal(watch.status, 200, JSON.stringify(watch.body));
      const sent: number[] = [];
      for (let n = 1; n <= 40; n++) {
        const node = n % 2 === 0 ? b() : c();
        const res = await asUser(node, owner, 'PATCH', call.path, { custom: { n } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        sent.push(n);
      }
      await ws.next(
        (m) => m.type === 'call.updated' && (m.call as unknown as { custom: { n: number } }).custom.n === 40,
        'the last update',
      );
      const received = ws
        .events(call.cid)
        .filter((m) => m.type === 'call.updated')
        .map((m) => (m.call as unknown as { custom: { n: number } }).custom.n);
      assert.deepEqual(received, sent);
    } finally {
      await ws.close();
    }
  });

  it('a call read on node C right after an update on node A shows the update', async () => {
    const owner = uid('owner');
    await seedUsers(a(), owner);
    const call = await createCall(a(), owner, [owner]);
    for (let n = 1; n <= 30; n++) {
      // Read on C first, so C holds the call in its cache when A changes it.
      const before = await asUser(c(), owner, 'GET', call.path);
      assert.equal(before.status, 200);
      const update = await asUser(a(), owner, 'PATCH', call.path, { custom: { n } });
      assert.equal(update.status, 200, JSON.stringify(update.body));
      const read = await asUser(c(), owner, 'GET', call.path);
      assert.deepEqual((read.body.call as { custom: unknown }).custom, { n }, `stale read on C after update ${n}`);
    }
  });

  it('a user update on node B shows in call reads on node C and a call type change on A applies on B and C', async () => {
    const owner = uid('owner');
    await seedUsers(a(), owner);
    const call = await createCall(a(), owner, [owner]);
    const cached = await asUser(c(), owner, 'GET', call.path);
    assert.equal(cached.status, 200);
    const rename = await raw(b(), 'POST', '/api/v2/users', {
      body: { users: { [owner]: { id: owner, name: 'Renamed' } } },
    });
    assert.equal(rename.status, 200, JSON.stringify(rename.body));
    const read = await asUser(c(), owner, 'GET', call.path);
    const createdBy = (read.body.call as { created_by: { name?: string } }).created_by;
    assert.equal(createdBy.name, 'Renamed');

    // Call type grants: take `read-call` from call members and users of a fresh type on node A; nodes B and C,
    // which cached the type by serving a read, refuse the next read at once.
    const type = `ct${Math.random().toString(36).slice(2, 8)}`;
    const created = await raw(a(), 'POST', '/api/v2/video/calltypes', {
      body: {
        name: type,
        grants: { user: ['read-call', 'create-call'], call_member: ['read-call'], admin: ['read-call'] },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const typed = await createCall(a(), owner, [owner], {}, type);
    for (const node of [b(), c()]) assert.equal((await asUser(node, owner, 'GET', typed.path)).status, 200);
    const revoke = await raw(a(), 'PUT', `/api/v2/video/calltypes/${type}`, {
      body: { grants: { user: ['create-call'], call_member: [] } },
    });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    for (const node of [b(), c()]) {
      const refused = await asUser(node, owner, 'GET', typed.path);
      assert.equal(refused.status, 403, `node ${node.baseUrl} still used the old grants`);
    }
  });

  it('concurrent get-or-create of one id across the three nodes creates one call and one call.created', async () => {
    const owner = uid('owner');
    const member = uid('member');
    await seedUsers(a(), owner, member);
    const ws = await TestSocket.connect(a(), member);
    try {
      const id = uid('race');
      const path = `/video/call/default/${id}`;
      const attempts = [a(), b(), c(), a(), b(), c(), a(), b(), c()].map((node) =>
        asUser(node, owner, 'POST', path, { data: { members: [{ user_id: owner }, { user_id: member }] } }),
      );
      const results = await Promise.all(attempts);
      for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(results.filter((r) => r.body.created === true).length, 1);
      await ws.event('call.created', `default:${id}`);
      // Barrier: anything else meant for this socket from that burst would have arrived by now.
      await ws.barrier();
      assert.equal(ws.events(`default:${id}`).filter((m) => m.type === 'call.created').length, 1);
      const db = new pg.Client({ connectionString: POSTGRES_URL });
      await db.connect();
      try {
        const schema = new URL(cluster.databaseUrl).searchParams.get('schema');
        const rows = await db.query(
          `select count(*)::int as n from "${schema}".outbox where call_cid = $1 and event_type = 'call.created'`,
          [`default:${id}`],
        );
        assert.equal(rows.rows[0].n, 1);
      } finally {
        await db.end();
      }
    } finally {
      await ws.close();
    }
  });
});
