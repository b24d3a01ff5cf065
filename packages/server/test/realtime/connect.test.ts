/**
 * The realtime handshake (docs/api.md "Realtime connection"): auth on the first message, `connection.ok` /
 * `connection.error` + close 1000, user creation and details, both path families, health checks.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { TIMESTAMP } from '../support/api-assert.js';
import { raw } from '../support/raw-http.js';
import { eachRealtimeDatabase, seedUsers, TestSocket, uid } from './support.js';

eachRealtimeDatabase('realtime handshake', { authTimeoutMs: 300 }, (node) => {
  async function refused(socket: TestSocket, code: number): Promise<void> {
    const message = await socket.next((m) => m.type === 'connection.error', 'connection.error');
    const body = message.error as Record<string, unknown>;
    assert.equal(body.code, code, JSON.stringify(body));
    assert.equal(body.StatusCode, 401);
    assert.match(String(body.message), /^Connect failed with error: ".+"$/);
    assert.match(String(message.created_at), TIMESTAMP);
    const closed = await socket.closed;
    assert.equal(closed.code, 1000, 'auth rejection closes with 1000');
  }

  it('answers connection.ok with a connection id and the user', async () => {
    const t = node();
    const alice = uid('alice');
    await seedUsers(t, alice);
    const socket = await TestSocket.connect(t, alice);
    const ok = socket.received[0];
    assert.ok(ok);
    assert.equal(ok.type, 'connection.ok');
    assert.match(String(ok.connection_id), /^[0-9a-f-]{36}$/);
    assert.match(String(ok.created_at), TIMESTAMP);
    const me = ok.me as Record<string, unknown>;
    assert.equal(me.id, alice);
    assert.equal(me.role, 'user');
    assert.equal(me.online, true);
    assert.deepEqual(me.custom, {});
    await socket.close();
  });

  it('accepts the server-side path family too', async () => {
    const t = node();
    const bob = uid('bob');
    await seedUsers(t, bob);
    const socket = await TestSocket.connect(t, bob, { path: '/api/v2/video/connect' });
    assert.ok(socket.connectionId);
    await socket.close();
  });

  it('creates a missing user from user_details and updates an existing one', async () => {
    const t = node();
    const carol = uid('carol');
    const first = await TestSocket.connect(t, carol, { details: { name: 'Carol', custom: { team: 'red' } } });
    const me = first.received[0]?.me as Record<string, unknown>;
    assert.equal(me.name, 'Carol');
    assert.deepEqual(me.custom, { team: 'red' });
    const stored = await raw(t, 'GET', '/api/v2/users', {
      query: { payload: JSON.stringify({ filter_conditions: { id: carol } }) },
    });
    assert.equal((stored.body.users as { name: string }[])[0]?.name, 'Carol');
    await first.close();

    const second = await TestSocket.connect(t, carol, { details: { name: 'Carol B', image: 'https://x/c.png' } });
    const again = second.received[0]?.me as Record<string, unknown>;
    assert.equal(again.name, 'Carol B');
    assert.equal(again.image, 'https://x/c.png');
    assert.deepEqual(again.custom, { team: 'red' }, 'fields not sent are kept');
    assert.equal(again.role, 'user');
    await second.close();
  });

  it('refuses a wrong or missing api_key with code 2', async () => {
    const t = node();
    await refused(await TestSocket.open(t, { apiKey: 'nope' }), 2);
    await refused(await TestSocket.open(t, { apiKey: null }), 2);
  });

  it('refuses an expired token with code 40 and closes with 1000', async () => {
    const t = node();
    const dave = uid('dave');
    await seedUsers(t, dave);
    const socket = await TestSocket.open(t);
    const expired = await t.userToken(dave, { exp: Math.floor(Date.now() / 1000) - 60 });
    socket.send({ token: expired, products: ['video'], user_details: { id: dave } });
    await refused(socket, 40);
  });

  it('refuses a forged token (43), a server token (5), a mismatched user (5) and no token (5)', async () => {
    const t = node();
    const erin = uid('erin');
    await seedUsers(t, erin);
    const forged = await new SignJWT({ user_id: erin })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('not-the-secret'));
    const cases: [unknown, number][] = [
      [{ token: forged, user_details: { id: erin } }, 43],
      [{ token: t.serverToken }, 5],
      [{ token: await t.userToken(erin), user_details: { id: 'someone-else' } }, 5],
      [{ products: ['video'] }, 5],
    ];
    for (const [message, code] of cases) {
      const socket = await TestSocket.open(t);
      socket.send(message);
      await refused(socket, code);
    }
  });

  it('refuses a socket that never authenticates', async () => {
    const socket = await TestSocket.open(node());
    await refused(socket, 5);
  });

  it('refuses a deleted user', async () => {
    const t = node();
    const gone = uid('gone');
    await seedUsers(t, gone);
    const del = await raw(t, 'POST', '/api/v2/users/delete', { body: { user_ids: [gone] } });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const socket = await TestSocket.open(t);
    socket.send({ token: await t.userToken(gone), user_details: { id: gone } });
    await refused(socket, 5);
  });

  it('answers health checks, as an array or a bare object', async () => {
    const t = node();
    const frank = uid('frank');
    const socket = await TestSocket.connect(t, frank);
    socket.send([{ type: 'health.check', client_id: 'c1' }]);
    socket.send({ type: 'health.check', client_id: 'c1' });
    const checks = () => socket.received.filter((m) => m.type === 'health.check');
    await socket.next(() => checks().length >= 2, 'two answers');
    for (const check of checks()) {
      assert.equal(check.connection_id, socket.connectionId);
      assert.match(String(check.created_at), TIMESTAMP);
    }
    await socket.close();
  });

  it('does not upgrade other paths', async () => {
    const t = node();
    const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/video/elsewhere?api_key=${t.apiKey}`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('opened')));
      ws.once('error', () => {});
    });
    assert.equal(status, 404);
  });
});
