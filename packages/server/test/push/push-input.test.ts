/**
 * What the push endpoints refuse (issue 12): unknown providers, malformed tokens and subscriptions, another user's
 * devices, bad provider credentials, unknown notification settings keys; the per-user device cap; secrets are
 * masked on read and kept when sent back masked.
 */
import assert from 'node:assert/strict';
import { createECDH, type ECDH, generateKeyPairSync } from 'node:crypto';
import { after, before, it } from 'node:test';
import { MASKED_SECRET, MAX_DEVICES_PER_USER } from '@switchboard/protocol';
import { assertApiError } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { LOCAL_PUSH_PEERS } from '../support/test-node.js';
import { closePeers, hexToken, type Peers, providers, startPeers, upsertUsers } from './push-setup.js';

eachDatabase(
  'push input',
  (node) => {
    let peers: Peers;
    before(async () => {
      peers = await startPeers();
      await upsertUsers(node(), { ann: 'Ann', ben: 'Ben', cid: 'Cid' });
    });
    after(() => closePeers(peers));

    const create = async (body: Record<string, unknown>, token?: string) =>
      raw(node(), 'POST', '/api/v2/devices', { body, ...(token ? { token } : {}) });

    it('refuses an unknown provider, malformed tokens and subscriptions, naming the field', async () => {
      assertApiError(await create({ id: hexToken('x'), push_provider: 'huawei', user_id: 'ann' }), 400, 4, {
        field: 'push_provider',
        mentions: 'apn, firebase, webpush',
      });
      assertApiError(await create({ id: 'not hex!', push_provider: 'apn', user_id: 'ann' }), 400, 4, { field: 'id' });
      for (const id of [
        'not json',
        '{"endpoint":"ftp://x/y","keys":{"p256dh":"AA","auth":"AA"}}',
        JSON.stringify({
          endpoint: 'https://push.example.com/x',
          keys: { p256dh: 'short', auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
        }),
        JSON.stringify({ endpoint: 'https://push.example.com/x' }),
      ]) {
        assertApiError(await create({ id, push_provider: 'webpush', user_id: 'ann' }), 400, 4, { field: 'id' });
      }
      assertApiError(
        await create({ id: 'fcm-1', push_provider: 'firebase', user_id: 'ann', voip_token: true }),
        400,
        4,
        {
          field: 'voip_token',
        },
      );
      assertApiError(await create({ id: 'fcm-1', push_provider: 'firebase' }), 400, 4, { field: 'user_id' });
      assertApiError(await create({ id: 'fcm-1', push_provider: 'firebase', user_id: 'nobody' }), 400, 4, {
        field: 'user_id',
      });
    });

    it('keeps at most 25 devices per user, dropping the oldest; registering again is idempotent', async () => {
      const ids = Array.from({ length: MAX_DEVICES_PER_USER + 1 }, (_, i) => `fcm-ann-${String(i).padStart(2, '0')}`);
      for (const id of ids) {
        const res = await create({ id, push_provider: 'firebase', user_id: 'ann' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      const again = await create({ id: ids.at(-1), push_provider: 'firebase', user_id: 'ann' });
      assert.equal(again.status, 201);
      const list = await raw(node(), 'GET', '/api/v2/devices', { query: { user_id: 'ann' } });
      const listed = (list.body.devices as { id: string }[]).map((d) => d.id).sort();
      assert.equal(listed.length, MAX_DEVICES_PER_USER);
      assert.deepEqual(listed, ids.slice(1), 'the oldest device made room for the 26th');
    });

    it("lets a user token manage only its own devices; another user's device is not found", async () => {
      const t = node();
      const ben = await t.userToken('ben');
      const cid = await t.userToken('cid');
      const res = await create({ id: 'fcm-ben', push_provider: 'firebase' }, ben);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal((res.body.device as { user_id: string }).user_id, 'ben');
      assertApiError(await create({ id: 'fcm-x', push_provider: 'firebase', user_id: 'cid' }, ben), 403, 17);
      assertApiError(await raw(t, 'GET', '/api/v2/devices', { token: ben, query: { user_id: 'cid' } }), 403, 17);
      assertApiError(await raw(t, 'DELETE', '/api/v2/devices', { token: cid, query: { id: 'fcm-ben' } }), 404, 16);
      assertApiError(await create({ id: 'fcm-ben', push_provider: 'firebase' }, cid), 403, 17, {
        mentions: 'another user',
      });
      const mine = await raw(t, 'GET', '/video/devices', { token: ben });
      assert.deepEqual(
        (mine.body.devices as { id: string }[]).map((d) => d.id),
        ['fcm-ben'],
      );
      const del = await raw(t, 'DELETE', '/video/devices', { token: ben, query: { id: 'fcm-ben' } });
      assert.equal(del.status, 200, JSON.stringify(del.body));
      const empty = await raw(t, 'GET', '/api/v2/devices', { query: { user_id: 'ben' } });
      assert.deepEqual(empty.body.devices, []);
    });

    it('checks provider credentials when they are saved, naming the field', async () => {
      const patch = (push_providers: unknown) => raw(node(), 'PATCH', '/api/v2/app', { body: { push_providers } });
      const [apn, firebase, webpush] = providers(peers);
      assertApiError(await patch([{ ...apn, type: 'huawei' }]), 400, 4, { field: 'push_providers.0.type' });
      assertApiError(await patch([{ ...apn, apn_auth_key: 'not a key' }]), 400, 4, {
        field: 'push_providers.0.apn_auth_key',
      });
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      assertApiError(await patch([{ ...apn, apn_auth_key: rsa.toString() }]), 400, 4, {
        field: 'push_providers.0.apn_auth_key',
      });
      assertApiError(await patch([{ ...apn, apn_topic: undefined }]), 400, 4, { field: 'push_providers.0.apn_topic' });
      assertApiError(await patch([apn, { ...firebase, firebase_credentials: '{"project_id":"x"}' }]), 400, 4, {
        field: 'push_providers.1.firebase_credentials',
      });
      assertApiError(await patch([{ ...webpush, webpush_subject: 'ops@example.com' }]), 400, 4, {
        field: 'push_providers.0.webpush_subject',
      });
      assertApiError(await patch([apn, { ...apn }]), 400, 4, { field: 'push_providers.1.name' });
      assertApiError(await patch([{ ...apn, apn_unknown: 1 }]), 400, 4);
    });

    it('takes a VAPID private key printed without its leading zero byte, and refuses one of another key pair', async () => {
      const t = node();
      const [, , webpush] = providers(peers);
      // A key whose scalar starts with a zero byte, as tools that print it as an integer give it (31 bytes).
      let ecdh: ECDH;
      do {
        ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
      } while (ecdh.getPrivateKey().length === 32);
      const unpadded = ecdh.getPrivateKey();
      assert.ok(unpadded.length < 32);
      const pair = {
        webpush_vapid_public_key: ecdh.getPublicKey().toString('base64url'),
        webpush_vapid_private_key: unpadded.toString('base64url'),
      };
      const saved = await raw(t, 'PATCH', '/api/v2/app', { body: { push_providers: [{ ...webpush, ...pair }] } });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      const row = await t.node.ctx.store.read.db
        .selectFrom('push_providers')
        .select('config')
        .executeTakeFirstOrThrow();
      const stored = Buffer.from(
        (JSON.parse(row.config) as { webpush_vapid_private_key: string }).webpush_vapid_private_key,
        'base64url',
      );
      assert.deepEqual(stored, Buffer.concat([Buffer.alloc(32 - unpadded.length), unpadded]), 'stored as 32 bytes');
      const mismatched = { ...webpush, webpush_vapid_private_key: pair.webpush_vapid_private_key };
      assertApiError(await raw(t, 'PATCH', '/api/v2/app', { body: { push_providers: [mismatched] } }), 400, 4, {
        field: 'push_providers.0.webpush_vapid_private_key',
      });
    });

    it('masks secrets on read and keeps them when they come back masked', async () => {
      const t = node();
      const saved = await raw(t, 'PATCH', '/api/v2/app', { body: { push_providers: providers(peers) } });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      const read = await raw(t, 'GET', '/api/v2/app');
      const shown = (read.body.app as { push_providers: Record<string, unknown>[] }).push_providers;
      assert.deepEqual(
        shown.map((p) => p.name),
        ['ios', 'android', 'web'],
      );
      assert.equal(shown[0]?.apn_auth_key, MASKED_SECRET);
      assert.equal(shown[1]?.firebase_credentials, MASKED_SECRET);
      assert.equal(shown[2]?.webpush_vapid_private_key, MASKED_SECRET);
      assert.equal(shown[2]?.webpush_vapid_public_key, peers.web.vapid.publicKey);
      assert.ok(!JSON.stringify(read.body).includes('PRIVATE KEY'), 'no key material in the answer');
      // A read-modify-write client sends the masked values back: the stored secrets stay.
      const back = shown.map(({ created_at, updated_at, ...rest }) => rest);
      const again = await raw(t, 'PATCH', '/api/v2/app', { body: { push_providers: back } });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      const row = await t.node.ctx.store.read.db
        .selectFrom('push_providers')
        .select('config')
        .where('name', '=', 'ios')
        .executeTakeFirstOrThrow();
      assert.equal((JSON.parse(row.config) as { apn_auth_key: string }).apn_auth_key, peers.apns.keyPem);
      const user = await raw(t, 'GET', '/api/v2/app', { token: await t.userToken('ann') });
      assertApiError(user, 403, 17);
    });

    it('refuses unknown keys in notification_settings like other settings', async () => {
      const t = node();
      const typo = await raw(t, 'POST', '/api/v2/video/calltypes', {
        body: { name: 'typo_push', notification_settings: { call_rnig: { enabled: true } } },
      });
      assertApiError(typo, 400, 4);
      const inner = await raw(t, 'POST', '/api/v2/video/calltypes', {
        body: { name: 'typo_push', notification_settings: { call_ring: { apns: { titel: 'x' } } } },
      });
      assertApiError(inner, 400, 4);
      const ok = await raw(t, 'POST', '/api/v2/video/calltypes', {
        body: {
          name: 'typo_push',
          notification_settings: { call_ring: { apns: { title: 'Ring {{ user.display_name }}' } } },
        },
      });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const ring = (ok.body.notification_settings as { call_ring: { enabled: boolean; apns: { title: string } } })
        .call_ring;
      assert.equal(ring.apns.title, 'Ring {{ user.display_name }}');
      assert.equal(ring.enabled, true, 'defaults fill what was not sent');
    });
  },
  { config: LOCAL_PUSH_PEERS },
);
