/**
 * What one user token (or a careless operator) can make the node send, and where: a Web Push endpoint is https and
 * public, refused at registration and again at connect time; operator URLs are public unless allow-listed; a
 * refused push removes nothing (no oracle); `call.live_started` reaches the members other than the one who went live.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemResolver } from '../../src/delivery/outbound/guarded-lookup.js';
import { ApnsProvider } from '../../src/delivery/push/apns-provider.js';
import { FcmProvider } from '../../src/delivery/push/fcm-provider.js';
import { parseServiceAccount } from '../../src/delivery/push/push-provider-settings.js';
import { WebPushProvider } from '../../src/delivery/push/webpush-provider.js';
import { AddressPolicy } from '../../src/domain/network-address.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { LOCAL_RECEIVERS } from '../support/test-node.js';
import { eventually, Receiver } from '../webhooks/receiver.js';
import { ApnsPeer, FcmPeer, WebPushReceiver } from './peers.js';
import { closePeers, hexToken, type Peers, providers, pushesSettled, startPeers, upsertUsers } from './push-setup.js';

/** A subscription of `receiver` with another endpoint (the keys stay valid). */
function subscriptionAt(receiver: WebPushReceiver, endpoint: string): string {
  const sub = JSON.parse(receiver.subscription()) as { endpoint: string };
  return JSON.stringify({ ...sub, endpoint });
}

eachDatabase(
  'outbound safety',
  (node) => {
    let peers: Peers;
    before(async () => {
      peers = await startPeers();
      // The APNs and FCM peers are operator URLs on loopback (allow-listed); Web Push endpoints are not.
      const res = await raw(node(), 'PATCH', '/api/v2/app', { body: { push_providers: providers(peers) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await upsertUsers(node(), { mallory: 'Mallory', hana: 'Hana', ivan: 'Ivan' });
    });
    after(() => closePeers(peers));

    it("refuses a user's Web Push endpoint on a non-public address or without https (code 4 naming id)", async () => {
      const t = node();
      const token = await t.userToken('mallory');
      for (const endpoint of [
        'http://169.254.169.254/latest/meta-data/',
        'https://169.254.169.254/latest/meta-data/',
        'https://10.0.0.1:6379/',
        'https://[::ffff:127.0.0.1]/push',
        'https://[::1]/push',
        'https://localhost/push',
        'https://0.0.0.0/push',
        'https://2130706433/push',
        'https://[fd00::1]/push',
        `${peers.web.url}/push/m`, // loopback, and http
        'http://push.example.com/push', // public, but not https
      ]) {
        const res = await raw(t, 'POST', '/video/devices', {
          token,
          body: { id: subscriptionAt(peers.web, endpoint), push_provider: 'webpush' },
        });
        assert.equal(res.status, 400, `${endpoint}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 4);
        assert.ok((res.body.exception_fields as Record<string, string>).id, endpoint);
      }
      const listed = await raw(t, 'GET', '/video/devices', { token });
      assert.deepEqual(listed.body.devices, [], 'nothing was stored');
      const fine = await raw(t, 'POST', '/video/devices', {
        token,
        body: { id: subscriptionAt(peers.web, 'https://push.example.com/sub/1'), push_provider: 'webpush' },
      });
      assert.equal(fine.status, 201, JSON.stringify(fine.body));
      // Unreachable from here: removed, so that later rings do not leave its retries open.
      const removed = await raw(t, 'DELETE', '/video/devices', {
        token,
        query: { id: subscriptionAt(peers.web, 'https://push.example.com/sub/1') },
      });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
    });

    it('refuses operator URLs on non-public addresses that are not allow-listed, naming the field', async () => {
      const t = node();
      const cases: [unknown, string][] = [
        [{ webhook_url: 'http://169.254.169.254/hook' }, 'webhook_url'],
        [{ webhook_url: 'http://[::ffff:10.0.0.1]/hook' }, 'webhook_url'],
        [
          { event_hooks: [{ hook_type: 'webhook', webhook_url: 'http://192.168.1.10/hook', event_types: [] }] },
          'event_hooks.0.webhook_url',
        ],
        [
          { push_providers: [{ ...providers(peers)[1], firebase_endpoint: 'http://10.0.0.1:6379' }] },
          'push_providers.0.firebase_endpoint',
        ],
        [
          {
            push_providers: [
              {
                ...providers(peers)[1],
                firebase_credentials: JSON.stringify({
                  ...JSON.parse(peers.fcm.serviceAccountJson()),
                  token_uri: 'http://169.254.169.254/token',
                }),
              },
            ],
          },
          'push_providers.0.firebase_credentials',
        ],
        [
          { push_providers: [{ ...providers(peers)[0], apn_endpoint: 'https://[fe80::1]' }] },
          'push_providers.0.apn_endpoint',
        ],
      ];
      for (const [body, field] of cases) {
        const res = await raw(t, 'PATCH', '/api/v2/app', { body });
        assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
        assert.ok(
          (res.body.exception_fields as Record<string, string>)[field],
          `${field}: ${JSON.stringify(res.body)}`,
        );
      }
      const app = await raw(t, 'GET', '/api/v2/app');
      const saved = app.body.app as {
        webhook_url?: string;
        event_hooks: unknown[];
        push_providers: { type: string }[];
      };
      assert.ok(!saved.webhook_url, 'no webhook_url was saved');
      assert.deepEqual(saved.event_hooks, []);
      assert.equal(saved.push_providers.length, 3, 'the providers are as before');
    });

    it('drops a stored device whose endpoint is refused at send time, and keeps the device (no oracle)', async () => {
      const t = node();
      // As if stored before these rules: the row is written directly, bypassing registration.
      const id = subscriptionAt(peers.web, `${peers.web.url}/push/legacy`);
      await t.node.ctx.store.db
        .insertInto('devices')
        .values({
          id,
          user_id: 'mallory',
          push_provider: 'webpush',
          push_provider_name: null,
          voip_token: 0,
          created_at: new Date().toISOString(),
        })
        .execute();
      const res = await raw(t, 'POST', '/api/v2/video/call/default/legacy-ring', {
        body: { ring: true, data: { created_by_id: 'hana', members: [{ user_id: 'hana' }, { user_id: 'mallory' }] } },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await pushesSettled(t);
      assert.ok(!peers.web.received.some((x) => x.token === '/push/legacy'), 'nothing reached the loopback endpoint');
      const devices = await raw(t, 'GET', '/api/v2/devices', { query: { user_id: 'mallory' } });
      assert.ok(
        (devices.body.devices as { id: string }[]).some((d) => d.id === id),
        'a refused endpoint is not reported back by removing the device',
      );
    });

    it('refuses at connect time a Web Push endpoint and a webhook whose names resolve to loopback', async () => {
      const t = node();
      const token = await t.userToken('mallory');
      const port = new URL(peers.web.url).port;
      // Names pass registration (nothing to see in a name); their addresses are checked when connecting.
      const sub = subscriptionAt(peers.web, `https://push.rebind.test:${port}/push/rebind`);
      const registered = await raw(t, 'POST', '/video/devices', { token, body: { id: sub, push_provider: 'webpush' } });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const receiver = await Receiver.start();
      try {
        const hook = `http://hooks.rebind.test:${new URL(receiver.url).port}/hook`;
        const saved = await raw(t, 'PATCH', '/api/v2/app', { body: { webhook_url: hook } });
        assert.equal(saved.status, 200, JSON.stringify(saved.body));
        const res = await raw(t, 'POST', '/api/v2/video/call/default/rebind-ring', {
          body: { ring: true, data: { created_by_id: 'hana', members: [{ user_id: 'hana' }, { user_id: 'mallory' }] } },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await pushesSettled(t);
        assert.ok(!peers.web.received.some((x) => x.token === '/push/rebind'), 'no push reached loopback');
        const devices = await raw(t, 'GET', '/video/devices', { token });
        assert.ok(
          (devices.body.devices as { id: string }[]).some((d) => d.id === sub),
          'the device stays: a refusal is not reported back',
        );
        const failed = await eventually(
          'the webhook attempt recorded',
          () => raw(t, 'GET', '/api/v2/webhooks/deliveries', { query: { call_cid: 'default:rebind-ring' } }),
          (r) => (r.body.deliveries as { last_error?: string | null }[]).some((d) => d.last_error),
        );
        const errors = (failed.body.deliveries as { last_error?: string | null }[]).map((d) => d.last_error ?? '');
        assert.ok(
          errors.some((e) => /ERR_OUTBOUND_REFUSED.*hooks\.rebind\.test.*127\.0\.0\.2 is a loopback address/.test(e)),
          JSON.stringify(errors),
        );
        assert.equal(receiver.arrived.length, 0, 'no webhook reached loopback');
      } finally {
        await raw(t, 'PATCH', '/api/v2/app', { body: { webhook_url: '' } });
        await raw(t, 'DELETE', '/video/devices', { token, query: { id: sub } });
        await receiver.close();
      }
    });

    it('sends call.live_started to the members other than the one who went live', async () => {
      const t = node();
      const hanaPhone = hexToken('hana-live');
      const ivanPhone = hexToken('ivan-live');
      for (const [user, id] of [
        ['hana', hanaPhone],
        ['ivan', ivanPhone],
      ] as const) {
        const res = await raw(t, 'POST', '/api/v2/devices', { body: { id, push_provider: 'apn', user_id: user } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      const created = await raw(t, 'POST', '/api/v2/video/call/default/live-1', {
        body: { data: { created_by_id: 'hana', members: [{ user_id: 'hana' }, { user_id: 'ivan' }] } },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const token = await t.userToken('hana');
      for (const action of ['stop_live', 'go_live']) {
        const res = await raw(t, 'POST', `/video/call/default/live-1/${action}`, { token, body: {} });
        assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
      }
      await peers.apns.until('the live push to ivan', (r) => r.some((x) => x.token === ivanPhone));
      await pushesSettled(t);
      const live = peers.apns.received.filter(
        (x) => x.body.type === 'call.live_started' && x.body.call_cid === 'default:live-1',
      );
      assert.deepEqual(
        live.map((x) => x.token),
        [ivanPhone],
        'ivan is told; hana, who went live, is not',
      );
    });
  },
  {
    config: LOCAL_RECEIVERS,
    // DNS where `*.rebind.test` names point at loopback, as a rebinding name would at connect time: the push
    // peer's 127.0.0.1 (not allowed for Web Push), and 127.0.0.2 for hooks (outside the operator's 127.0.0.1).
    resolve: (hostname, family) =>
      hostname.endsWith('.rebind.test')
        ? Promise.resolve([{ address: hostname.startsWith('hooks.') ? '127.0.0.2' : '127.0.0.1', family: 4 }])
        : systemResolver(hostname, family),
  },
);

describe('Web Push at connect time', () => {
  let web: WebPushReceiver;
  before(async () => {
    web = await new WebPushReceiver().start();
  });
  after(() => web.close());

  const message = (token: string) => ({
    token,
    kind: 'alert' as const,
    title: 'Ring',
    body: '',
    data: { type: 'call.ring' },
    expiresAt: 0,
  });

  it('refuses an endpoint whose name resolves to loopback, without connecting, and does not retry it', async () => {
    const port = new URL(web.url).port;
    const lookups: string[] = [];
    const provider = new WebPushProvider({
      name: 'web',
      publicKey: web.vapid.publicKey,
      privateKey: web.vapid.privateKey,
      subject: 'mailto:ops@example.com',
      policy: new AddressPolicy(),
      // DNS that answers with the receiver's loopback address: what a rebinding name does at connect time.
      resolve: async (hostname) => {
        lookups.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    try {
      const result = await provider.send(message(subscriptionAt(web, `https://push.rebind.test:${port}/push/r`)));
      assert.equal(result.outcome, 'failed', JSON.stringify(result));
      assert.match(result.outcome === 'failed' ? result.error : '', /127\.0\.0\.1 is a loopback address/);
      assert.deepEqual(lookups, ['push.rebind.test']);
      assert.equal(web.received.length, 0);
    } finally {
      await provider.close();
    }
  });
});

describe('APNs and FCM at connect time', () => {
  let apns: ApnsPeer;
  let fcm: FcmPeer;
  before(async () => {
    [apns, fcm] = await Promise.all([new ApnsPeer().start(), new FcmPeer().start()]);
  });
  after(() => Promise.all([apns.close(), fcm.close()]));

  /** DNS where every name is the peers' loopback address (an operator URL whose name points inside). */
  const loopbackDns = async () => [{ address: '127.0.0.1', family: 4 }];
  const alert = (token: string) => ({ token, kind: 'alert' as const, title: 'Live', body: '', data: {}, expiresAt: 0 });
  const apnsProvider = (allow: string[]) =>
    new ApnsProvider({
      name: 'ios',
      keyPem: apns.keyPem,
      keyId: apns.keyId,
      teamId: apns.teamId,
      topic: apns.topic,
      endpoint: `http://apns.rebind.test:${new URL(apns.url).port}`,
      policy: new AddressPolicy(allow),
      resolve: loopbackDns,
    });

  it('APNs: a name resolving to loopback is refused for good, unless allow-listed; then it reaches the peer', async () => {
    const refused = apnsProvider([]);
    const allowed = apnsProvider(['127.0.0.1']);
    try {
      const token = hexToken('apns-name');
      const result = await refused.send(alert(token));
      assert.equal(result.outcome, 'failed', JSON.stringify(result));
      assert.match(result.outcome === 'failed' ? result.error : '', /loopback/);
      assert.equal(apns.received.length, 0);
      const sent = await allowed.send(alert(token));
      assert.equal(sent.outcome, 'sent', JSON.stringify(sent));
      assert.deepEqual(
        apns.received.map((r) => r.token),
        [token],
      );
    } finally {
      await Promise.all([refused.close(), allowed.close()]);
    }
  });

  it('FCM: a token URI whose name resolves to loopback is refused for good', async () => {
    const account = parseServiceAccount(fcm.serviceAccountJson(), 'firebase_credentials');
    const provider = new FcmProvider({
      name: 'android',
      account: { ...account, token_uri: `http://oauth.rebind.test:${new URL(fcm.url).port}/token` },
      endpoint: fcm.url,
      policy: new AddressPolicy(),
      resolve: loopbackDns,
    });
    try {
      const result = await provider.send(alert('fcm-token'));
      assert.equal(result.outcome, 'failed', JSON.stringify(result));
      assert.match(result.outcome === 'failed' ? result.error : '', /refused to connect to oauth\.rebind\.test/);
      assert.equal(fcm.grants, 0);
      assert.equal(fcm.received.length, 0);
    } finally {
      await provider.close();
    }
  });
});
