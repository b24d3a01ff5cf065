/**
 * Push delivery end to end against local peers speaking APNs (HTTP/2), FCM HTTP v1 and Web Push (issue 12):
 * a ring reaches each of the callee's devices exactly once with the right kind of push, the caller gets none,
 * a dead token removes its device, and notification settings switch pushes off.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { LOCAL_PUSH_PEERS } from '../support/test-node.js';
import {
  addDevice,
  closePeers,
  configureProviders,
  hexToken,
  type Peers,
  pushesSettled,
  ring,
  startPeers,
  upsertUsers,
} from './push-setup.js';

eachDatabase(
  'push delivery',
  (node) => {
    let peers: Peers;
    before(async () => {
      peers = await startPeers();
      await configureProviders(node(), peers);
      await upsertUsers(node(), { alice: 'Alice', bob: 'Bob', carol: 'Carol' });
    });
    after(() => closePeers(peers));

    it('rings a member on iOS VoIP, Android and a browser: one push each, of the right kind; none to the caller', async () => {
      const t = node();
      const bobVoip = hexToken('bob-voip');
      const aliceIphone = hexToken('alice-iphone');
      await addDevice(t, 'bob', bobVoip, 'apn', true);
      await addDevice(t, 'bob', 'fcm-bob-pixel', 'firebase');
      await addDevice(t, 'bob', peers.web.subscription('/push/bob'), 'webpush');
      await addDevice(t, 'alice', aliceIphone, 'apn');
      await addDevice(t, 'alice', 'fcm-alice', 'firebase');

      await ring(t, 'ring-1', 'alice', ['bob']);
      await peers.apns.until('the VoIP push', (r) => r.some((x) => x.token === bobVoip));
      await peers.fcm.until('the FCM push', (r) => r.some((x) => x.token === 'fcm-bob-pixel'));
      await peers.web.until('the Web Push', (r) => r.some((x) => x.token === '/push/bob'));
      await pushesSettled(t);

      const apns = peers.apns.received.filter((x) => x.body.call_cid === 'default:ring-1');
      assert.equal(apns.length, 1, 'one APNs push, to bob only');
      const voip = apns[0];
      assert.ok(voip);
      assert.equal(voip.problem, undefined);
      assert.equal(voip.token, bobVoip);
      assert.equal(voip.headers['apns-push-type'], 'voip');
      assert.equal(voip.headers['apns-topic'], `${peers.apns.topic}.voip`);
      assert.equal(voip.headers['apns-expiration'], '0', 'a ring is now or never');
      assert.deepEqual(voip.body.aps, {});
      assert.equal(voip.body.sender, 'switchboard');
      assert.equal(voip.body.type, 'call.ring');
      assert.equal(voip.body.created_by_id, 'alice');
      assert.equal(voip.body.created_by_display_name, 'Alice');
      assert.equal(voip.body.video, 'true');

      const fcm = peers.fcm.received.filter(
        (x) => (x.body.message as { data: { call_cid: string } }).data.call_cid === 'default:ring-1',
      );
      assert.deepEqual(
        fcm.map((x) => x.token),
        ['fcm-bob-pixel'],
        'one FCM push, to bob only',
      );
      const message = fcm[0]?.body.message as { data: Record<string, string>; android: { priority: string } };
      assert.equal(message.data.type, 'call.ring');
      assert.equal(message.data.title, 'Alice is calling you');
      assert.equal(message.android.priority, 'high');
      assert.equal(peers.fcm.grants, 1, 'one OAuth grant, cached');

      const web = peers.web.received.filter((x) => x.body.call_cid === 'default:ring-1');
      assert.equal(web.length, 1);
      assert.equal(web[0]?.problem, undefined);
      assert.equal(web[0]?.body.type, 'call.ring');
      assert.equal(web[0]?.body.title, 'Alice is calling you');
      assert.equal(web[0]?.body.sender, 'switchboard');
    });

    it('removes a device whose token APNs calls Unregistered (410), and keeps the others', async () => {
      const t = node();
      const dead = hexToken('carol-dead');
      const alive = hexToken('carol-alive');
      await addDevice(t, 'carol', dead, 'apn');
      await addDevice(t, 'carol', alive, 'apn');
      peers.apns.script = (token) =>
        token === dead ? { status: 410, body: { reason: 'Unregistered', timestamp: Date.now() } } : { status: 200 };
      try {
        const notify = await raw(t, 'POST', '/api/v2/video/call/default/notify-1', {
          body: {
            notify: true,
            data: { created_by_id: 'alice', members: [{ user_id: 'alice' }, { user_id: 'carol' }] },
          },
        });
        assert.equal(notify.status, 200, JSON.stringify(notify.body));
        await peers.apns.until('both carol pushes', (r) =>
          [dead, alive].every((tok) => r.some((x) => x.token === tok)),
        );
        await pushesSettled(t);
        const alert = peers.apns.received.find((x) => x.token === alive);
        assert.equal(alert?.headers['apns-push-type'], 'alert');
        assert.equal(alert?.headers['apns-topic'], peers.apns.topic);
        assert.deepEqual((alert?.body.aps as { alert: unknown }).alert, {
          title: 'Alice invited you to a call',
          body: '',
        });
        const list = await raw(t, 'GET', '/api/v2/devices', { query: { user_id: 'carol' } });
        assert.equal(list.status, 200);
        assert.deepEqual(
          (list.body.devices as { id: string }[]).map((d) => d.id),
          [alive],
        );
        assert.equal(peers.apns.connections, 1, 'every APNs push so far went over one reused HTTP/2 connection');
        const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
        assert.match(
          metrics,
          /switchboard_push_notifications_total\{provider="ios",outcome="device_removed",node="[^"]+"\} 1/,
        );
        assert.match(
          metrics,
          /switchboard_push_notifications_total\{provider="android",outcome="sent",node="[^"]+"\} [1-9]/,
        );
      } finally {
        peers.apns.script = () => ({ status: 200 });
      }
    });

    it('sends nothing for an event the call type switched off', async () => {
      const t = node();
      const off = await raw(t, 'POST', '/api/v2/video/calltypes', {
        body: { name: 'quiet', notification_settings: { call_ring: { enabled: false } } },
      });
      assert.equal(off.status, 201, JSON.stringify(off.body));
      const before = peers.apns.received.length + peers.fcm.received.length + peers.web.received.length;
      const res = await raw(t, 'POST', '/api/v2/video/call/quiet/q-1', {
        body: { ring: true, data: { created_by_id: 'alice', members: [{ user_id: 'alice' }, { user_id: 'bob' }] } },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      // A ring of another call afterwards arrives; had the quiet one queued pushes, they would be settled by then.
      await ring(t, 'after-quiet', 'alice', ['bob']);
      await peers.web.until('the later ring', (r) => r.some((x) => x.body.call_cid === 'default:after-quiet'));
      await pushesSettled(t);
      const all = [
        ...peers.apns.received,
        ...peers.fcm.received.map((x) => ({ body: (x.body.message as { data: object }).data })),
        ...peers.web.received,
      ];
      assert.equal(all.filter((x) => (x.body as { call_cid?: string }).call_cid === 'quiet:q-1').length, 0);
      assert.ok(peers.apns.received.length + peers.fcm.received.length + peers.web.received.length > before);
    });

    it('removes FCM (UNREGISTERED) and Web Push (410 Gone) devices the service says are dead', async () => {
      const t = node();
      await upsertUsers(t, { fay: 'Fay' });
      await addDevice(t, 'fay', 'fcm-fay-dead', 'firebase');
      await addDevice(t, 'fay', peers.web.subscription('/push/fay-gone'), 'webpush');
      peers.fcm.script = (token) =>
        token === 'fcm-fay-dead'
          ? {
              status: 404,
              body: { error: { status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } },
            }
          : { status: 200 };
      peers.web.script = (path) => (path === '/push/fay-gone' ? { status: 410 } : { status: 200 });
      try {
        await ring(t, 'dead-2', 'alice', ['fay']);
        await peers.fcm.until('the FCM attempt', (r) => r.some((x) => x.token === 'fcm-fay-dead'));
        await peers.web.until('the Web Push attempt', (r) => r.some((x) => x.token === '/push/fay-gone'));
        await pushesSettled(t);
        const list = await raw(t, 'GET', '/api/v2/devices', { query: { user_id: 'fay' } });
        assert.deepEqual(list.body.devices, []);
      } finally {
        peers.fcm.script = () => ({ status: 200 });
        peers.web.script = () => ({ status: 200 });
      }
    });

    it('does not send a retried ring push once the callee has answered', async () => {
      const t = node();
      await upsertUsers(t, { gus: 'Gus' });
      const token = hexToken('gus-voip');
      await addDevice(t, 'gus', token, 'apn', true);
      peers.apns.script = (tok) =>
        tok === token
          ? { status: 429, headers: { 'retry-after': '1' }, body: { reason: 'TooManyRequests' } }
          : { status: 200 };
      try {
        await ring(t, 'answered-1', 'alice', ['gus']);
        await peers.apns.until('the refused ring push', (r) => r.some((x) => x.token === token));
        const accept = await raw(t, 'POST', '/api/v2/video/call/default/answered-1/accept', {
          token: await t.userToken('gus'),
          body: {},
        });
        assert.equal(accept.status, 200, JSON.stringify(accept.body));
        peers.apns.script = () => ({ status: 200 });
        // The retry comes due after the Retry-After second; the worker then finds the ring answered and drops it.
        await pushesSettled(t);
        assert.deepEqual(
          peers.apns.received.filter((x) => x.token === token).map((x) => x.answered),
          [429],
          'no ring push after the answer',
        );
      } finally {
        peers.apns.script = () => ({ status: 200 });
      }
    });

    it('answers a test push per device with what the provider said', async () => {
      const t = node();
      const res = await raw(t, 'POST', '/api/v2/push/test', {
        body: { user_id: 'bob', event_type: 'call.notification' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const results = res.body.results as { push_provider: string; outcome: string; status_code: number | null }[];
      // bob's VoIP token takes rings only: the notification is skipped there; FCM and Web Push send.
      assert.deepEqual(results.map((r) => `${r.push_provider}:${r.outcome}`).sort(), [
        'apn:skipped',
        'firebase:sent',
        'webpush:sent',
      ]);
      const user = await raw(t, 'POST', '/api/v2/push/test', {
        token: await t.userToken('bob'),
        body: { user_id: 'bob' },
      });
      assert.equal(user.status, 403);
    });
  },
  { config: LOCAL_PUSH_PEERS },
);
