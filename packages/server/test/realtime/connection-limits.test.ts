/**
 * What one user token can make a node spend through the realtime handshake: the connect rate is charged before
 * the user's details are written, unchanged details write nothing, changed ones drop only the cached calls that
 * show that user; one user holds a bounded number of connections; the WebSocket cap leaves plain HTTP room.
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/app/config.js';
import type { ClusterNotice } from '../../src/bus/event-bus.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { asUser, createCall, type Message, seedUsers, TestSocket, uid, waitFor } from './support.js';

const dialects = await testDialects();

/** Opens a socket and sends the auth message; answers the server's first reply (ok or error) and the socket. */
async function handshake(
  t: TestNode,
  userId: string,
  details: Record<string, unknown> = {},
): Promise<{ reply: Message; socket: TestSocket }> {
  const socket = await TestSocket.open(t);
  socket.send({ token: await t.userToken(userId), products: ['video'], user_details: { id: userId, ...details } });
  const reply = await socket.next((m) => m.type === 'connection.ok' || m.type === 'connection.error', 'handshake');
  return { reply, socket };
}

function errorCode(reply: Message): number | undefined {
  return reply.type === 'connection.error' ? (reply.error as { code: number }).code : undefined;
}

/** Records the cluster notices the node sends (each one makes every node drop cached call views). */
function recordNotices(t: TestNode): { notices: ClusterNotice[]; stop: () => void } {
  const notices: ClusterNotice[] = [];
  const stop = t.node.ctx.bus.onNotice((n) => {
    notices.push(n);
  });
  return { notices, stop };
}

/** TCP connections the node's HTTP server holds now. */
function tcpConnections(t: TestNode): Promise<number> {
  return new Promise((resolve, reject) =>
    t.node.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** GET /healthz on a connection of its own (no pooled keep-alive socket): its status. */
function healthz(t: TestNode): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(new URL('/healthz', t.baseUrl), { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** A suite per dialect on one node with these settings (server pings off, so they never interleave). */
function onNode(name: string, config: Partial<Config>, body: (node: () => TestNode) => void): void {
  for (const dialect of dialects) {
    describe(`${name} [${dialect}]`, () => {
      let current: TestNode | undefined;
      before(async () => {
        current = await startTestNode(dialect, {
          config,
          realtime: { healthCheckIntervalMs: 3_600_000, idleTimeoutMs: 3_600_000, authTimeoutMs: 3_600_000 },
        });
      });
      after(async () => {
        await current?.stop();
      });
      body(() => {
        if (!current) throw new Error('test node not started');
        return current;
      });
    });
  }
}

// Only the connect rate limits this node (no cap on open connections), so every refusal is the rate's.
onNode('realtime handshake rate', { rateLimitUserConnects: 3, maxConnectionsPerUser: 0 }, (node) => {
  it('charges the connect rate before writing: refused handshakes change nothing and notify no node', async () => {
    const t = node();
    const user = uid('rate');
    await seedUsers(t, user);
    const recorder = recordNotices(t);
    const replies: Message[] = [];
    try {
      for (let n = 0; n < 6; n++) {
        const { reply, socket } = await handshake(t, user, { name: `name ${n}` });
        replies.push(reply);
        await socket.close();
      }
    } finally {
      recorder.stop();
    }
    assert.deepEqual(
      replies.map((r) => r.type),
      ['connection.ok', 'connection.ok', 'connection.ok', 'connection.error', 'connection.error', 'connection.error'],
    );
    for (const r of replies.slice(3)) assert.equal(errorCode(r), 9);
    const row = await t.node.ctx.store.read.users.get(user);
    assert.equal(row?.name, 'name 2', 'the last allowed handshake wrote the name; the refused ones wrote nothing');
    assert.equal(recorder.notices.length, 3, 'one notice per allowed change, none for the refused handshakes');
  });
});

onNode('realtime handshake writes and connection cap', { maxConnectionsPerUser: 2 }, (node) => {
  it('writes nothing and notifies nobody when user_details did not change', async () => {
    const t = node();
    const user = uid('same');
    const first = await handshake(t, user, { name: 'Same', custom: { a: 1 } });
    assert.equal(first.reply.type, 'connection.ok');
    await first.socket.close();
    const stored = await t.node.ctx.store.read.users.get(user);
    const recorder = recordNotices(t);
    try {
      const again = await handshake(t, user, { name: 'Same', custom: { a: 1 } });
      assert.equal(again.reply.type, 'connection.ok');
      await again.socket.close();
    } finally {
      recorder.stop();
    }
    assert.deepEqual(recorder.notices, []);
    assert.equal((await t.node.ctx.store.read.users.get(user))?.updated_at, stored?.updated_at);
  });

  it('creates a missing user only by inserting: one created meanwhile keeps its role, teams and custom', async () => {
    const t = node();
    const user = uid('raced');
    const created = await raw(t, 'POST', '/api/v2/users', {
      body: { users: { [user]: { id: user, role: 'admin', teams: ['red'], custom: { keep: true } } } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // The race, made deterministic: the handshake's first read of the user ran before that UpsertUsers committed
    // (it answers "no such user"); every later read sees the database as it is.
    const users = t.node.ctx.store.read.users;
    const realGet = users.get.bind(users);
    let raced = false;
    users.get = async (id: string) => {
      if (id === user && !raced) {
        raced = true;
        return undefined;
      }
      return realGet(id);
    };
    try {
      const { reply, socket } = await handshake(t, user, { name: 'Raced' });
      assert.equal(reply.type, 'connection.ok', JSON.stringify(reply));
      await socket.close();
    } finally {
      Reflect.deleteProperty(users, 'get');
    }
    assert.ok(raced, 'the handshake read the user first');
    const row = await t.node.ctx.store.read.users.get(user);
    assert.equal(row?.role, 'admin');
    assert.equal(row?.teams, '["red"]');
    assert.deepEqual(JSON.parse(row?.custom ?? '{}'), { keep: true });
    assert.equal(row?.name, 'Raced', 'the handshake still applies its own details');
  });

  it('drops only the cached calls that show the user whose details changed', async () => {
    const t = node();
    const [owner, renamed] = [uid('owner'), uid('renamed')];
    await seedUsers(t, owner, renamed);
    const theirs = await createCall(t, owner, [owner, renamed]);
    const other = await createCall(t, owner, [owner]);
    for (const call of [theirs, other]) assert.equal((await asUser(t, owner, 'GET', call.path)).status, 200);
    assert.ok(t.node.ctx.snapshots.cached(theirs.cid), 'read once, cached');
    assert.ok(t.node.ctx.snapshots.cached(other.cid), 'read once, cached');

    const { reply, socket } = await handshake(t, renamed, { name: 'New name' });
    assert.equal(reply.type, 'connection.ok');
    await socket.close();
    assert.equal(t.node.ctx.snapshots.cached(theirs.cid), undefined, 'the call showing the user was dropped');
    assert.ok(t.node.ctx.snapshots.cached(other.cid), 'a call the user is not in stays cached');
    const read = await asUser(t, owner, 'GET', theirs.path);
    const members = (read.body as { members: { user_id: string; user: { name?: string } }[] }).members;
    assert.equal(members.find((m) => m.user_id === renamed)?.user.name, 'New name');
  });

  it('refuses a user past the open-connection cap with code 9, and lets them in again after one closes', async () => {
    const t = node();
    const [user, other] = [uid('many'), uid('other')];
    await seedUsers(t, user, other);
    // Concurrent handshakes all pass the first check before any registers: the cap holds anyway.
    const attempts = await Promise.all([0, 1, 2, 3].map(() => handshake(t, user)));
    const ok = attempts.filter((a) => a.reply.type === 'connection.ok');
    const refused = attempts.filter((a) => a.reply.type === 'connection.error');
    assert.equal(ok.length, 2);
    for (const r of refused) {
      assert.equal(errorCode(r.reply), 9);
      assert.equal((await r.socket.closed).code, 1000);
    }
    const stranger = await handshake(t, other);
    assert.equal(stranger.reply.type, 'connection.ok', 'another user is not affected');
    await ok[0]?.socket.close();
    await waitFor(() => t.node.realtime.stats().connections === 2, 'the server to retire the closed connection');
    const back = await handshake(t, user);
    assert.equal(back.reply.type, 'connection.ok');
    for (const s of [ok[1]?.socket, stranger.socket, back.socket]) await s?.close();
  });
});

// 10 TCP connections: the WebSocket cap is then 9, one stays for plain HTTP.
onNode('WebSocket cap under the TCP cap', { maxConnections: 10, maxWebSockets: 0 }, (node) => {
  it('refuses the upgrade past the WebSocket cap with 503, and /healthz still answers', async () => {
    const t = node();
    const sockets = await Promise.all(Array.from({ length: 9 }, () => TestSocket.open(t)));
    try {
      assert.equal(t.node.realtime.stats().webSockets, 9);
      await waitFor(async () => (await tcpConnections(t)) === 9, 'the server to hold the nine sockets');
      await assert.rejects(TestSocket.open(t), /Unexpected server response: 503/);
      await waitFor(async () => (await tcpConnections(t)) === 9, 'the refused socket to be gone');
      assert.equal(await healthz(t), 200);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  });
});
