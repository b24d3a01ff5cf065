/**
 * What the relay stands on (issue 10, item 7): every event has an id stamped at commit, the same on the WebSocket,
 * in the outbox and in the webhook; a bus listener that throws neither fails the committed write nor keeps other
 * listeners from the event; and on PostgreSQL a transaction that took its outbox id early but committed late is
 * still relayed (a reader of `id > last` would skip it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import { LocalEventBus } from '../../src/bus/local-event-bus.js';
import { TestSocket } from '../realtime/support.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { LOCAL_RECEIVERS, startTestNode, type TestNode } from '../support/test-node.js';
import { Receiver } from './receiver.js';

describe('LocalEventBus', () => {
  it('isolates a throwing listener: the others still get the event, the failure is reported', () => {
    const failures: unknown[] = [];
    const bus = new LocalEventBus((err) => failures.push(err));
    const seen: string[] = [];
    bus.subscribe(() => seen.push('first'));
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe(() => seen.push('third'));
    const event = { type: 'call.deleted', call_cid: 'default:x', created_at: '', call: {} } as unknown as CallEvent;
    assert.doesNotThrow(() => bus.publish(event));
    assert.deepEqual(seen, ['first', 'third']);
    assert.equal((failures[0] as Error).message, 'boom');
  });
});

for (const dialect of await testDialects()) {
  describe(`event ids and listener isolation [${dialect}]`, () => {
    let t: TestNode;
    let receiver: Receiver;
    before(async () => {
      t = await startTestNode(dialect, { config: LOCAL_RECEIVERS });
      receiver = await Receiver.start();
      const set = await raw(t, 'PATCH', '/api/v2/app', { body: { webhook_url: receiver.url } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      await raw(t, 'POST', '/api/v2/users', { body: { users: { ida: { id: 'ida' } } } });
    });
    after(async () => {
      await t.stop();
      await receiver.close();
    });

    it('a throwing listener does not fail the write; the event keeps one id on WebSocket, outbox and webhook', async () => {
      const unsubscribe = t.node.ctx.bus.subscribe(() => {
        throw new Error('a broken listener');
      });
      const socket = await TestSocket.connect(t, 'ida');
      try {
        const res = await raw(t, 'POST', '/api/v2/video/call/default/ids', {
          body: { data: { created_by_id: 'ida', members: [{ user_id: 'ida' }] } },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const onSocket = await socket.event('call.created', 'default:ids');
        assert.match(String(onSocket.id), /^[0-9a-f-]{36}$/);
        const row = await t.node.ctx.store.db
          .selectFrom('outbox')
          .select(['event_id', 'payload'])
          .where('call_cid', '=', 'default:ids')
          .executeTakeFirstOrThrow();
        assert.equal(row.event_id, onSocket.id);
        assert.equal(JSON.parse(row.payload).id, onSocket.id);
        await receiver.until('the webhook of call.created', (r) => r.some((x) => x.event.id === onSocket.id));
        const webhook = receiver.received.find((x) => x.event.id === onSocket.id);
        assert.deepEqual(webhook?.event, onSocket, 'the webhook body is the object the WebSocket client got');
      } finally {
        unsubscribe();
        await socket.close();
      }
    });

    if (dialect === 'postgres') {
      it('relays a transaction that took its outbox id early and committed after a later one', async () => {
        const late = {
          type: 'custom',
          id: 'late-event',
          call_cid: 'default:late',
          created_at: new Date().toISOString(),
        };
        let commitLate: () => void = () => {};
        const lateCommitted = t.node.ctx.store.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('outbox')
            .values({
              event_type: 'custom',
              call_cid: 'default:late',
              payload: JSON.stringify(late),
              created_at: late.created_at,
              event_id: late.id,
              relayed_at: null,
            })
            .execute();
          await new Promise<void>((resolve) => {
            commitLate = resolve;
          });
        });
        // A later transaction commits first and is delivered while the early one is still open.
        const res = await raw(t, 'POST', '/api/v2/video/call/default/early', {
          body: { data: { created_by_id: 'ida' } },
        });
        assert.equal(res.status, 200);
        await receiver.until('the later event', (r) => r.some((x) => x.event.call_cid === 'default:early'));
        commitLate();
        await lateCommitted;
        await receiver.until('the late-committed event', (r) => r.some((x) => x.event.id === 'late-event'));
      });
    }
  });
}
