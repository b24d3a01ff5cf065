/**
 * Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted for the subscription (RFC 8291, aes128gcm), by
 * the `web-push` library; the request itself goes out with `fetch` so that it has a timeout, works with `http://`
 * endpoints of local test receivers, and is classified like the other providers (404/410: the subscription is
 * gone).
 */
import webpush from 'web-push';
import { parseSubscription } from './device-tokens.js';
import {
  classifyStatus,
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
}

export class WebPushProvider implements PushProvider {
  readonly type = 'webpush' as const;
  readonly name: string;
  private readonly slots: Slots;
  private readonly aborts = new AbortController();

  constructor(private readonly settings: WebPushSettings) {
    this.name = settings.name;
    this.slots = new Slots(settings.maxConcurrent ?? 256);
  }

  send(message: PushMessage): Promise<PushResult> {
    return this.slots.run(() => this.request(message));
  }

  private async request(message: PushMessage): Promise<PushResult> {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      const subscription = parseSubscription(message.token);
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
      return { outcome: 'failed', status: null, error: `cannot encrypt for this subscription: ${String(err)}` };
    }
    try {
      const res = await fetch(details.endpoint, {
        method: details.method,
        headers: details.headers as Record<string, string>,
        body: details.body ? new Uint8Array(details.body) : null,
        signal: AbortSignal.any([AbortSignal.timeout(PUSH_REQUEST_TIMEOUT_MS), this.aborts.signal]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 404 || res.status === 410) {
        return { outcome: 'unregistered', status: res.status, error: 'subscription expired or unsubscribed' };
      }
      return classifyStatus(
        res.status,
        `push service answered ${res.status}`,
        retryAfterMs(res.headers.get('retry-after')),
      );
    } catch (err) {
      return { outcome: 'retry', status: null, error: `Web Push request failed: ${String(err)}` };
    }
  }

  async close(): Promise<void> {
    this.aborts.abort();
  }
}

/** What the service worker's `push` event receives (decrypted): the title and body to show, and the event fields. */
export function webPushPayload(message: PushMessage): Record<string, string> {
  return { ...message.data, title: message.title, body: message.body };
}
