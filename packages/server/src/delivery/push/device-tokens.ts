/**
 * What a device id must look like per provider, checked when it is registered so that a typo fails at once (a
 * code 4 naming `id`) instead of as a provider error at the first ring. Web Push ids are the browser's
 * subscription JSON; they are stored in one canonical form, so registering or deleting the same subscription
 * with other whitespace or key order finds the same device.
 */
import type { PushProviderType } from '@switchboard/protocol';
import { inputError } from '../../domain/errors.js';
import type { AddressPolicy } from '../../domain/network-address.js';
import { checkOutboundUrl } from '../../domain/outbound-url.js';

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const HEX_TOKEN = /^[0-9a-fA-F]{16,256}$/;
const OPAQUE_TOKEN = /^\S+$/;

/**
 * The canonical id to store, or an input error naming `id`. A Web Push endpoint is a URL the node will POST to
 * for this user: https, and not a non-public address outside the operator's Web Push allow-list.
 */
export function canonicalDeviceId(provider: PushProviderType, id: string, webPush: AddressPolicy): string {
  switch (provider) {
    case 'apn':
      if (!HEX_TOKEN.test(id)) throw inputError('an APNs device token is 16-256 hex characters', 'id');
      return id.toLowerCase();
    case 'firebase':
      if (!OPAQUE_TOKEN.test(id)) throw inputError('an FCM registration token has no whitespace', 'id');
      return id;
    case 'webpush': {
      const subscription = parseSubscription(id);
      checkOutboundUrl(subscription.endpoint, 'id', webPush, { requireHttps: true });
      return JSON.stringify(subscription);
    }
  }
}

/** The id as stored: subscriptions are canonicalised, other tokens kept (APNs lowercased) for lookups. */
export function lookupDeviceId(id: string): string {
  if (id.trimStart().startsWith('{')) {
    try {
      return JSON.stringify(parseSubscription(id));
    } catch {
      return id;
    }
  }
  return HEX_TOKEN.test(id) ? id.toLowerCase() : id;
}

export function parseSubscription(id: string): WebPushSubscription {
  let value: unknown;
  try {
    value = JSON.parse(id);
  } catch {
    throw inputError('a Web Push device id is the subscription JSON: { endpoint, keys: { p256dh, auth } }', 'id');
  }
  const v = value as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | null;
  if (typeof v?.endpoint !== 'string') throw inputError('the subscription has no endpoint', 'id');
  let url: URL;
  try {
    url = new URL(v.endpoint);
  } catch {
    throw inputError('the subscription endpoint is not an absolute URL', 'id');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw inputError('the subscription endpoint must be http(s)', 'id');
  }
  const p256dh = v.keys?.p256dh;
  const auth = v.keys?.auth;
  // p256dh: an uncompressed P-256 point (65 bytes, 0x04 first); auth: the 16-byte secret (RFC 8291 section 3).
  const point = typeof p256dh === 'string' ? base64url(p256dh) : undefined;
  if (!point || point.length !== 65 || point[0] !== 4) {
    throw inputError('keys.p256dh must be a base64url uncompressed P-256 public key (65 bytes)', 'id');
  }
  const secret = typeof auth === 'string' ? base64url(auth) : undefined;
  if (!secret || secret.length !== 16) throw inputError('keys.auth must be a base64url 16-byte secret', 'id');
  return { endpoint: v.endpoint, keys: { p256dh: p256dh as string, auth: auth as string } };
}

function base64url(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}
