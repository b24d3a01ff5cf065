/**
 * Keeping connections honest: server pings, dropping silent connections (4009), the bounded send queue (4008),
 * and shutdown (4010). Health checks run on a node with short timings; the send queue on one that never times out.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CloseCode } from '@switchboard/protocol';
import WebSocket from 'ws';
import { raw } from '../support/raw-http.js';
import { createCall, eachRealtimeDatabase, seedUsers, TestSocket, uid } from './support.js';

const BOUND = 512 * 1024;

eachRealtimeDatabase(
  'realtime health',
  { healthCheckIntervalMs: 50, idleTimeoutMs: 400, maxBufferedBytes: BOUND },
  (node) => {
    it('pings every connection and closes the silent ones with 4009', async () => {
      const t = node();
      const [quiet, chatty] = [uid('quiet'), uid('chatty')];
      await seedUsers(t, quiet, chatty);
      const silent = await TestSocket.connect(t, quiet);
      const alive = await TestSocket.connect(t, chatty);
      const pinger = setInterval(() => alive.send([{ type: 'health.check', client_id: 'alive' }]), 50);
      try {
        const closed = await silent.closed;
        assert.equal(closed.code, CloseCode.HealthCheckTimeout);
        assert.equal(alive.ws.readyState, WebSocket.OPEN, 'a pinging client outlives the idle timeout');
        const pings = silent.received.filter((m) => m.type === 'health.check');
        assert.ok(pings.length >= 1, 'the server pinged before giving up');
        assert.equal(pings[0]?.connection_id, silent.connectionId);
      } finally {
        clearInterval(pinger);
        await alive.close();
      }
    });

    it('keeps a pinging client through a stall of the whole process, and still closes the silent one', async () => {
      const t = node();
      const [quiet, chatty] = [uid('quiet'), uid('chatty')];
      await seedUsers(t, quiet, chatty);
      const alive = await TestSocket.connect(t, chatty);
      const pinger = setInterval(() => alive.send([{ type: 'health.check', client_id: 'alive' }]), 50);
      try {
        await alive.barrier();
        const silent = await TestSocket.connect(t, quiet);
        // The process stalls (a long GC, CPU starvation) for longer than the idle timeout: the server, the client
        // and its pinger all stop. The first sweep after it must not take the pinger's unread frames for silence.
        const stallUntil = Date.now() + 600;
        while (Date.now() < stallUntil) {
          // busy: nothing else in this process runs
        }
        const closed = await silent.closed;
        assert.equal(closed.code, CloseCode.HealthCheckTimeout, 'a later sweep still closes the silent client');
        const alivePastIt = await Promise.race([
          alive.closed.then((c) => `closed ${c.code}`),
          alive.barrier().then(() => 'open'),
        ]);
        assert.equal(alivePastIt, 'open');
      } finally {
        clearInterval(pinger);
        await alive.close();
      }
    });

    it('closes connections with 4010 when the node shuts down', async () => {
      const { startTestNode } = await import('../support/test-node.js');
      const t = await startTestNode(node().dialect);
      const user = uid('user');
      await seedUsers(t, user);
      const socket = await TestSocket.connect(t, user);
      await t.stop();
      const closed = await socket.closed;
      assert.equal(closed.code, CloseCode.ServerShutdown);
    });
  },
);

// The send-queue bound on a node that never times connections out (the default quiet timings): a server busy
// writing megabytes to a socket that does not read must close it for the queue (4008), and an idle timeout racing
// the client's pings (4009) would make that depend on how loaded the machine is. Its events are made heavy on
// purpose, so the event size bound is raised above them.
eachRealtimeDatabase(
  'realtime send queue',
  { maxBufferedBytes: BOUND },
  (node) => {
    it('closes a connection that does not read with 4008 once its send queue passes the bound', async () => {
      const t = node();
      const [owner, slowUser] = [uid('owner'), uid('slow')];
      await seedUsers(t, owner, slowUser);
      const call = await createCall(t, owner, [owner, slowUser]);
      const slow = await TestSocket.connect(t, slowUser);
      slow.ws.pause(); // stops reading: what the server writes piles up in the kernel, then in the process
      // Make every event of this call heavy: each one carries the call with ~900 KB of custom data. Clients may
      // not write that much (SWITCHBOARD_MAX_CUSTOM_BYTES), so it goes straight into the database.
      await t.node.ctx.store.db
        .updateTable('calls')
        .set({ custom: JSON.stringify({ blob: 'x'.repeat(900_000) }) })
        .where('cid', '=', call.cid)
        .execute();
      t.node.ctx.snapshots.clear();
      const before = t.node.realtime.stats().connections;
      let sent = 0;
      try {
        for (; sent < 200 && t.node.realtime.stats().connections === before; sent++) {
          const res = await raw(t, 'POST', `${call.path}/event`, { body: { custom: { n: sent }, user_id: owner } });
          assert.equal(res.status, 200);
          await t.node.realtime.deliveredAll();
        }
        assert.ok(t.node.realtime.stats().connections < before, `closed after ${sent} events`);
        // Nothing more is queued for a closed connection, while the others keep receiving.
        const marker = await raw(t, 'POST', `${call.path}/event`, { body: { custom: { n: -1 }, user_id: owner } });
        assert.equal(marker.status, 200);
        await t.node.realtime.deliveredAll();
        slow.ws.resume();
        const closed = await slow.closed;
        assert.equal(closed.code, CloseCode.SendQueueFull);
        const got = slow.events(call.cid).filter((e) => e.type === 'custom');
        // What arrived is the start of what was sent, in order: the bound closes the connection, it never skips.
        assert.deepEqual(
          got.map((e) => (e.custom as { n: number }).n).filter((n) => n >= 0),
          Array.from({ length: got.filter((e) => (e.custom as { n: number }).n >= 0).length }, (_, n) => n),
        );
        assert.ok(!got.some((e) => (e.custom as { n: number }).n === -1), 'nothing is sent after the close');
      } finally {
        slow.ws.resume();
      }
    });
  },
  { config: { maxEventBytes: 4 * 1024 * 1024 } },
);
