/**
 * Webhook delivery end to end (issue 10), on both databases, against a real node:http receiver: a scripted call
 * reaches the app's webhook_url signed and in commit order; a receiver that fails for a while still gets
 * everything with increasing attempt numbers and one webhook id; a schedule that runs out dead-letters the
 * delivery and the operator's retry sends it; replay sends retained events again.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { LOCAL_RECEIVERS, startTestNode, type TestNode } from '../support/test-node.js';
import { eventually, type ReceivedWebhook, Receiver } from './receiver.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const dialects = await testDialects();

async function ok(t: TestNode, method: string, path: string, body?: unknown, token?: string): Promise<Json> {
  const res = await raw(t, method, path, { ...(body === undefined ? {} : { body }), ...(token ? { token } : {}) });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Outbox rows of one call in commit (id) order, as the relay reads them. */
async function committedEvents(t: TestNode, cid: string): Promise<{ id: string; type: string; payload: string }[]> {
  const rows = await t.node.ctx.store.db
    .selectFrom('outbox')
    .select(['event_id', 'event_type', 'payload'])
    .where('call_cid', '=', cid)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: String(r.event_id), type: r.event_type, payload: r.payload }));
}

/** Every 2xx-acknowledged event id of `cid`, in the order the receiver acknowledged them. */
const acknowledged = (received: ReceivedWebhook[], cid: string) =>
  received.filter((r) => r.event.call_cid === cid && r.status < 300).map((r) => r.event.id as string);

/**
 * Per-call order: no request for an event went out before every earlier event of its call had been answered 2xx
 * (or, with `deadIds`, given up on).
 */
function assertSentInOrder(received: ReceivedWebhook[], order: string[], deadIds: ReadonlySet<string> = new Set()) {
  const settled = new Set<string>(deadIds);
  for (const r of received) {
    const index = order.indexOf(r.event.id);
    if (index < 0) continue;
    for (const earlier of order.slice(0, index)) {
      assert.ok(
        settled.has(earlier),
        `event ${index} (${r.event.type}) was sent before event ${earlier} was delivered`,
      );
    }
    if (r.status < 300) settled.add(r.event.id);
  }
}

for (const dialect of dialects) {
  describe(`webhook delivery [${dialect}]`, () => {
    let t: TestNode;
    let receiver: Receiver;
    const as = async (userId: string) => t.userToken(userId);

    before(async () => {
      t = await startTestNode(dialect, {
        config: { ...LOCAL_RECEIVERS, webhookRetryScheduleMs: [30, 60, 90, 120, 150, 180] },
      });
      receiver = await Receiver.start();
      await ok(t, 'POST', '/api/v2/users', { users: { ann: { id: 'ann' }, ben: { id: 'ben' } } });
    });
    after(async () => {
      await t.stop();
      await receiver.close();
    });

    it('every event of a scripted call arrives signed, as committed, in commit order', async () => {
      const app = await ok(t, 'PATCH', '/api/v2/app', { webhook_url: receiver.url });
      assert.equal(app.app.webhook_url, receiver.url);
      const call = '/api/v2/video/call/default/script';
      const cid = 'default:script';
      await ok(t, 'POST', call, { data: { created_by_id: 'ann', members: [{ user_id: 'ann' }] } });
      await ok(t, 'POST', `${call}/members`, { update_members: [{ user_id: 'ben' }] });
      await ok(t, 'PATCH', call, { custom: { topic: 'webhooks' } });
      await ok(t, 'POST', `${call}/join`, {}, await as('ben'));
      await ok(t, 'POST', `${call}/leave`, {}, await as('ben'));
      await ok(t, 'POST', `${call}/event`, { user_id: 'ann', custom: { note: 'hi' } });
      await ok(t, 'POST', `${call}/mark_ended`, {});
      await ok(t, 'POST', `${call}/delete`, {});

      const committed = await committedEvents(t, cid);
      const types = new Set(committed.map((e) => e.type));
      for (const type of ['call.created', 'call.member_added', 'call.updated', 'call.session_participant_joined']) {
        assert.ok(types.has(type), `scenario committed ${type}`);
      }
      for (const type of ['call.session_participant_left', 'custom', 'call.ended', 'call.deleted']) {
        assert.ok(types.has(type), `scenario committed ${type}`);
      }
      const ids = committed.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'every committed event has its own id');
      await receiver.until('every committed event', (r) => ids.every((id) => acknowledged(r, cid).includes(id)));

      const mine = receiver.received.filter((r) => r.event.call_cid === cid);
      assert.deepEqual(
        mine.map((r) => r.event.id),
        ids,
        'each event sent once (the receiver answered 200), in commit order',
      );
      for (const [i, r] of mine.entries()) {
        assert.equal(r.raw, committed[i]?.payload, 'the body is the committed event JSON, byte for byte');
        assert.equal(r.headers['x-signature'], createHmac('sha256', t.apiSecret).update(r.raw).digest('hex'));
        assert.equal(r.headers['x-api-key'], t.apiKey);
        assert.equal(r.headers['x-webhook-attempt'], '1');
        assert.match(String(r.headers['x-webhook-id']), /^[0-9a-f]{32}$/);
        assert.match(String(r.headers['content-type']), /^application\/json/);
        assert.match(String(r.headers['user-agent']), /^Switchboard-Webhooks\/\d+\.\d+\.\d+$/);
        assert.match(r.event.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      }
      assert.equal(new Set(mine.map((r) => r.headers['x-webhook-id'])).size, mine.length, 'one webhook id per event');

      // The receiver has its answer before the worker records it: wait for the log to say delivered.
      const ofCallOf = (body: Json) => body.deliveries.filter((d: Json) => d.call_cid === cid);
      const list = await eventually(
        'the deliveries of the call recorded as delivered',
        () => ok(t, 'GET', '/api/v2/webhooks/deliveries', undefined),
        (body: Json) => ofCallOf(body).every((d: Json) => d.status === 'delivered'),
      );
      const ofCall = ofCallOf(list);
      assert.equal(ofCall.length, ids.length);
      for (const d of ofCall) {
        assert.equal(d.status, 'delivered');
        assert.equal(d.attempts, 1);
        assert.equal(d.last_status_code, 200);
        assert.equal(d.hook_id, 'webhook_url');
      }
    });

    it('a receiver failing for a while gets everything, retried with rising attempts and one id, in order', async () => {
      const cid = 'default:flaky';
      let failuresLeft = 5;
      receiver.respond = (r) => (r.event.call_cid === cid && failuresLeft-- > 0 ? 500 : 200);
      const call = '/api/v2/video/call/default/flaky';
      await ok(t, 'POST', call, { data: { created_by_id: 'ann' } });
      await ok(t, 'POST', `${call}/event`, { user_id: 'ann', custom: { n: 1 } });
      await ok(t, 'POST', `${call}/event`, { user_id: 'ann', custom: { n: 2 } });
      const ids = (await committedEvents(t, cid)).map((e) => e.id);
      await receiver.until('the flaky call delivered', (r) => ids.every((id) => acknowledged(r, cid).includes(id)));
      receiver.respond = () => 200;

      const mine = receiver.received.filter((r) => r.event.call_cid === cid);
      assertSentInOrder(mine, ids);
      const first = mine.filter((r) => r.event.id === ids[0]);
      assert.deepEqual(
        first.map((r) => r.headers['x-webhook-attempt']),
        ['1', '2', '3', '4', '5', '6'],
        'the first event failed five times, then got through on attempt 6',
      );
      assert.deepEqual(
        first.map((r) => r.status),
        [500, 500, 500, 500, 500, 200],
      );
      assert.equal(new Set(first.map((r) => r.headers['x-webhook-id'])).size, 1, 'same X-Webhook-Id on every attempt');
      const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
      assert.match(
        metrics,
        /switchboard_webhook_deliveries_total\{hook="webhook_url",outcome="failed",node="[^"]+"\} 5\n/,
      );
      assert.match(metrics, /switchboard_outbox_lag_seconds\{[^}]*scope="cluster"[^}]*\} \d/);
    });

    it("holds a call's later events while its first is unanswered (head of line), on every database", async () => {
      await ok(t, 'PATCH', '/api/v2/app', { webhook_url: receiver.url });
      const cid = 'default:head';
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      receiver.hold = (r) => (r.event.call_cid === cid ? released : undefined);
      let ids: string[] = [];
      try {
        const call = '/api/v2/video/call/default/head';
        await ok(t, 'POST', call, { data: { created_by_id: 'ann' } });
        await receiver.untilArrived('the first event of the call, held', (a) =>
          a.some((r) => r.event.call_cid === cid),
        );
        await ok(t, 'POST', `${call}/event`, { user_id: 'ann', custom: { n: 1 } });
        await ok(t, 'POST', `${call}/event`, { user_id: 'ann', custom: { n: 2 } });
        ids = (await committedEvents(t, cid)).map((e) => e.id);
        await eventually(
          'a delivery for every event of the call',
          () => t.node.ctx.store.db.selectFrom('webhook_deliveries').select('id').where('call_cid', '=', cid).execute(),
          (rows) => rows.length === ids.length,
        );
        // Two other calls' events, one after the other, get through: the worker has claimed past the waiting
        // deliveries at least twice since they existed, so a worker ignoring the head would have sent them by now.
        for (const other of ['head-other-1', 'head-other-2']) {
          await ok(t, 'POST', `/api/v2/video/call/default/${other}`, { data: { created_by_id: 'ann' } });
          await receiver.until(`the event of ${other}`, (r) => r.some((x) => x.event.call_cid === `default:${other}`));
        }
        assert.deepEqual(
          receiver.arrived.filter((r) => r.event.call_cid === cid).map((r) => r.event.id),
          [ids[0]],
          'nothing of the call was sent while its first event was unanswered',
        );
      } finally {
        receiver.hold = undefined;
        release();
      }
      await receiver.until('the whole call', (r) => ids.every((id) => acknowledged(r, cid).includes(id)));
      assertSentInOrder(
        receiver.received.filter((r) => r.event.call_cid === cid),
        ids,
      );
    });

    it('sends and signs the stored bytes of an event, whatever their JSON spelling', async () => {
      await ok(t, 'PATCH', '/api/v2/app', { webhook_url: receiver.url });
      const cid = 'default:raw-bytes';
      const eventId = randomUUID();
      // Key order, spacing, an escaped é and a trailing zero that JSON.parse + JSON.stringify would all change.
      const payload =
        `{"type" : "custom",\n  "call_cid":"${cid}", "id":"${eventId}",\t"created_at":"2026-01-01T00:00:00.000Z",` +
        ` "custom":{"z":1,"a":1.50,"name":"\\u00e9t\\u00e9"}, "call":{"cid":"${cid}","type":"default","id":"raw-bytes"}}`;
      assert.notEqual(JSON.stringify(JSON.parse(payload)), payload, 'the payload is not in canonical form');
      await t.node.ctx.store.db
        .insertInto('outbox')
        .values({
          event_type: 'custom',
          call_cid: cid,
          payload,
          created_at: new Date().toISOString(),
          event_id: eventId,
          relayed_at: null,
        })
        .execute();
      // A committed event wakes the relay, which takes the hand-written row too (it polls for it anyway).
      await ok(t, 'POST', '/api/v2/video/call/default/raw-bytes-wake', { data: { created_by_id: 'ann' } });
      await receiver.until('the hand-written event', (r) => r.some((x) => x.event.id === eventId));
      const got = receiver.received.find((x) => x.event.id === eventId);
      assert.equal(got?.raw, payload, 'the body is the stored text, byte for byte');
      assert.equal(got?.headers['x-signature'], createHmac('sha256', t.apiSecret).update(payload).digest('hex'));
    });

    it('a used-up schedule dead-letters the delivery; the operator retry delivers it', async () => {
      const dead = await Receiver.start('/dead');
      try {
        dead.respond = () => 503;
        const app = await ok(t, 'PATCH', '/api/v2/app', {
          event_hooks: [
            { id: 'ops', hook_type: 'webhook', enabled: true, event_types: ['custom'], webhook_url: dead.url },
          ],
        });
        assert.equal(app.app.event_hooks[0].id, 'ops');
        assert.equal(app.app.event_hooks[0].timeout_ms, 10_000);
        await ok(t, 'POST', '/api/v2/video/call/default/flaky/event', { user_id: 'ann', custom: { n: 3 } });
        const listed = await eventually(
          'the ops delivery dead-lettered',
          () => ok(t, 'GET', '/api/v2/webhooks/deliveries?hook_id=ops&status=dead_letter'),
          (body: Json) => body.deliveries.length === 1,
        );
        const delivery = listed.deliveries[0];
        assert.equal(delivery.attempts, 7, 'first attempt and the six retries of the schedule');
        assert.equal(delivery.last_status_code, 503);
        assert.equal(delivery.next_attempt_at, null);
        assert.deepEqual(
          dead.received.map((r) => r.headers['x-webhook-attempt']),
          ['1', '2', '3', '4', '5', '6', '7'],
        );
        let metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
        assert.match(
          metrics,
          /switchboard_webhook_deliveries_total\{hook="ops",outcome="dead_lettered",node="[^"]+"\} 1\n/,
        );

        dead.respond = () => 200;
        const retried = await ok(t, 'POST', `/api/v2/webhooks/deliveries/${delivery.id}/retry`, {});
        assert.ok(['pending', 'in_flight', 'delivered'].includes(retried.delivery.status));
        await dead.until('the retried delivery', (r) => r.some((x) => x.status === 200));
        const last = dead.received.at(-1) as ReceivedWebhook;
        assert.equal(last.headers['x-webhook-id'], dead.received[0]?.headers['x-webhook-id']);
        assert.equal(last.event.type, 'custom');
        await eventually(
          'the retried delivery marked delivered',
          () => ok(t, 'GET', `/api/v2/webhooks/deliveries?hook_id=ops`),
          (body: Json) => body.deliveries[0]?.status === 'delivered',
        );
        metrics = await eventually(
          'the delivered counter',
          async () => (await fetch(`${t.baseUrl}/metrics`)).text(),
          (text) =>
            /switchboard_webhook_deliveries_total\{hook="ops",outcome="delivered",node="[^"]+"\} 1\n/.test(text),
        );
        assert.match(
          metrics,
          /switchboard_webhook_deliveries_total\{hook="ops",outcome="dead_lettered",node="[^"]+"\} 1\n/,
        );

        // Replay: every retained event of the scripted call again, to the ops hook, with their own webhook ids.
        await ok(t, 'PATCH', '/api/v2/app', {
          event_hooks: [{ id: 'ops', hook_type: 'webhook', enabled: true, webhook_url: dead.url }],
        });
        const before = dead.received.length;
        const replay = await ok(t, 'POST', '/api/v2/webhooks/replay', {
          hook_id: 'ops',
          from: '2000-01-01T00:00:00.000Z',
          to: new Date(Date.now() + 60_000).toISOString(),
          call_cid: 'default:script',
        });
        const ids = (await committedEvents(t, 'default:script')).map((e) => e.id);
        assert.equal(replay.queued, ids.length);
        await dead.until('the replayed call', (r) => r.length >= before + ids.length);
        assert.deepEqual(
          dead.received.slice(before).map((r) => r.event.id),
          ids,
          'replayed in commit order',
        );
      } finally {
        await dead.close();
      }
    });
  });
}
