/**
 * After the handshake a client can only send health checks. One message listing thousands of them must earn one
 * answer, not thousands (the server's output would otherwise be a multiple of the client's input), and a message
 * nested past the JSON depth limit is ignored like any other invalid message, without closing the connection.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eachRealtimeDatabase, seedUsers, TestSocket, uid } from '../realtime/support.js';

// No periodic server pings during these tests: every health.check received answers one of the client's messages.
const QUIET = { healthCheckIntervalMs: 600_000, idleTimeoutMs: 1_200_000 };

eachRealtimeDatabase('adversarial: WebSocket messages after the handshake', QUIET, (node) => {
  const healthChecks = (socket: TestSocket) => socket.received.filter((m) => m.type === 'health.check').length;

  it('answers a message listing 1,000 health checks once', async () => {
    const t = node();
    const user = uid('pinger');
    await seedUsers(t, user);
    const socket = await TestSocket.connect(t, user);
    const before = healthChecks(socket);
    socket.send(Array.from({ length: 1000 }, () => ({ type: 'health.check', client_id: 'flood' })));
    // The barrier's own check is answered after everything the server wrote for the flood (one socket, in order).
    await socket.barrier();
    const answers = healthChecks(socket) - before;
    assert.equal(answers, 2, 'one answer for the flood, one for the barrier');
    await socket.close();
  });

  it('ignores a message nested past the depth limit and keeps the connection', async () => {
    const t = node();
    const user = uid('nester');
    await seedUsers(t, user);
    const socket = await TestSocket.connect(t, user);
    const before = healthChecks(socket);
    socket.ws.send(`[{"type":"health.check","x":${'['.repeat(5000)}${']'.repeat(5000)}}]`);
    await socket.barrier();
    assert.equal(healthChecks(socket) - before, 1, 'only the barrier is answered, not the deep message');
    assert.equal(socket.ws.readyState, socket.ws.OPEN);
    await socket.close();
  });
});
