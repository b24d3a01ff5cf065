/**
 * Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted for the subscription (RFC 8291, aes128gcm), by
 * the `web-push` library; the request itself goes out through this provider's own OutboundHttp so that it has a
 * timeout, reaches only addresses the Web Push policy allows (the endpoint is any URL a user registered), follows
 * no redirect, and is classified like the other providers (404/410: the subscription is gone).
 */
import webpush from 'web-push';
import type { AddressPolicy } from '../../domain/network-address.js';
import { checkOutboundUrl } from '../../domain/outbound-url.js';
import type { Resolver } from '../outbound/guarded-lookup.js';
import { OutboundHttp } from '../outbound/outbound-http.js';
import { parseSubscription } from './device-tokens.js';
import {
  classifyStatus,
  failure,
  PUSH_REQUEST_TIMEOUT_MS,
  type PushMessage,
  type PushProvider,
  type PushResult,
  retryAfterMs,
  Slots,
} from './push-provider.js';

export interface WebPushSettings {
  name: string;
  publicKey: string;
  privateKey: string;
  subject: string;
  maxConcurrent?: number;
  /** Where subscription endpoints may point (public addresses plus the operator's Web Push allow-list). */
  policy: AddressPolicy;
  resolve?: Resolver;
}

export class WebPushProvider implements PushProvider {
  readonly type = 'webpush' as const;
  readonly name: string;
  private readonly slots: Slots;
  private readonly http: OutboundHttp;

  constructor(private readonly settings: WebPushSettings) {
    this.name = settings.name;
    this.slots = new Slots(settings.maxConcurrent ?? 256);
    this.http = new OutboundHttp({
      policy: settings.policy,
      ...(settings.resolve ? { resolve: settings.resolve } : {}),
    });
  }

  send(message: PushMessage): Promise<PushResult> {
    return this.slots.run(() => this.request(message));
  }

  private async request(message: PushMessage): Promise<PushResult> {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      const subscription = parseSubscription(message.token);
      // Again at send time: a device stored before the rules (or under a wider allow-list) is held to today's.
      checkOutboundUrl(subscription.endpoint, 'endpoint', this.settings.policy, { requireHttps: true });
      const ttl = message.expiresAt === 0 ? 0 : Math.max(0, message.expiresAt - Math.floor(Date.now() / 1000));
      details = webpush.generateRequestDetails(subscription, JSON.stringify(webPushPayload(message)), {
        vapidDetails: {
          subject: this.settings.subject,
          publicKey: this.settings.publicKey,
          privateKey: this.settings.privateKey,
        },
        TTL: ttl,
        urgency: 'high',
        contentEncoding: 'aes128gcm',
      });
    } catch (err) {
      return { outcome: 'failed', status: null, error: `cannot send to this subscription: ${String(err)}` };
    }
    try {
      const res = await this.http.request(details.endpoint, {
        method: details.method,
        headers: details.headers as Record<string, string | number>,
        ...(details.body ? { body: details.body } : {}),
        timeoutMs: PUSH_REQUEST_TIMEOUT_MS,
      });
      if (res.status === 404 || res.status === 410) {
        return { outcome: 'unregistered', status: res.status, error: 'subscription expired or unsubscribed' };
      }
      return classifyStatus(
        res.status,
        `push service answered ${res.status}`,
        retryAfterMs(res.headers['retry-after']),
      );
    } catch (err) {
      return failure('Web Push request failed', err);
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** What the service worker's `push` event receives (decrypted): the title and body to show, and the event fields. */
export function webPushPayload(message: PushMessage): Record<string, string> {
  return { ...message.data, title: message.title, body: message.body };
}
