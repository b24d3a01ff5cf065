/** Shared setup of the push tests: the three peers, providers pointing at them, users and devices. */
import assert from 'node:assert/strict';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';
import { ApnsPeer, FcmPeer, WebPushReceiver } from './peers.js';

export interface Peers {
  apns: ApnsPeer;
  fcm: FcmPeer;
  web: WebPushReceiver;
}

export async function startPeers(): Promise<Peers> {
  const [apns, fcm, web] = await Promise.all([
    new ApnsPeer().start(),
    new FcmPeer().start(),
    new WebPushReceiver().start(),
  ]);
  return { apns, fcm, web };
}

export async function closePeers(peers: Peers | undefined): Promise<void> {
  if (!peers) return;
  await Promise.all([peers.apns.close(), peers.fcm.close(), peers.web.close()]);
}

export function providers(peers: Peers) {
  return [
    {
      type: 'apn',
      name: 'ios',
      apn_auth_key: peers.apns.keyPem,
      apn_key_id: peers.apns.keyId,
      apn_team_id: peers.apns.teamId,
      apn_topic: peers.apns.topic,
      apn_endpoint: peers.apns.url,
    },
    {
      type: 'firebase',
      name: 'android',
      firebase_credentials: peers.fcm.serviceAccountJson(),
      firebase_endpoint: peers.fcm.url,
    },
    {
      type: 'webpush',
      name: 'web',
      webpush_vapid_public_key: peers.web.vapid.publicKey,
      webpush_vapid_private_key: peers.web.vapid.privateKey,
      webpush_subject: 'mailto:ops@example.com',
    },
  ];
}

export async function configureProviders(t: TestNode, peers: Peers): Promise<void> {
  const res = await raw(t, 'PATCH', '/api/v2/app', { body: { push_providers: providers(peers) } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

export async function upsertUsers(t: TestNode, users: Record<string, string>): Promise<void> {
  const body = { users: Object.fromEntries(Object.entries(users).map(([id, name]) => [id, { id, name }])) };
  const res = await raw(t, 'POST', '/api/v2/users', { body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

export async function addDevice(
  t: TestNode,
  userId: string,
  id: string,
  provider: 'apn' | 'firebase' | 'webpush',
  voip = false,
): Promise<void> {
  const body = { id, push_provider: provider, user_id: userId, ...(voip ? { voip_token: true } : {}) };
  const res = await raw(t, 'POST', '/api/v2/devices', { body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

/** Rings `members` (the first is the caller) on a fresh call of type default. */
export async function ring(t: TestNode, callId: string, caller: string, callees: string[]): Promise<void> {
  const members = [caller, ...callees].map((user_id) => ({ user_id }));
  const res = await raw(t, 'POST', `/api/v2/video/call/default/${callId}`, {
    body: { ring: true, video: true, data: { created_by_id: caller, members } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** Resolves when no push is left to send (every row settled), polling the queue. */
export async function pushesSettled(t: TestNode, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await t.node.ctx.store.read.db
      .selectFrom('push_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${open.n} pushes still open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const hexToken = (seed: string) => Buffer.from(seed.padEnd(32, '0')).toString('hex');
