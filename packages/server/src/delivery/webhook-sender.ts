/**
 * One HTTP attempt of one webhook: POSTs the event's exact JSON text with its signature, over this sender's own
 * keep-alive connections (outbound/outbound-http.ts: no process-wide side effect, the address policy on every
 * connect, no redirects followed) so a steady stream of events does not pay a TCP (or TLS) handshake each.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { AddressPolicy } from '../domain/network-address.js';
import type { Resolver } from './outbound/guarded-lookup.js';
import { OutboundHttp } from './outbound/outbound-http.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
export const WEBHOOK_USER_AGENT = `Switchboard-Webhooks/${version}`;

export interface WebhookAttempt {
  url: string;
  body: string;
  webhookId: string;
  attempt: number;
  timeoutMs: number;
}

export type AttemptOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** Hex HMAC-SHA256 of the exact body with the app secret: what `X-Signature` carries. */
export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Stable per (event, hook): the same across retries and replays, so a receiver can dedupe on it. */
export function webhookIdFor(eventId: string, hookId: string): string {
  return createHash('sha256').update(`${eventId}\n${hookId}`).digest('hex').slice(0, 32);
}

export class WebhookSender {
  private readonly http: OutboundHttp;
  /** Aborts attempts still running when the node closes (their deliveries stay claimed; see WebhookWorker). */
  private readonly closing = new AbortController();

  constructor(
    private readonly apiKey: string,
    private readonly apiSecret: string,
    /** Connections per receiver origin: as many as attempts may run at once, so none waits for a socket. */
    connections = 256,
    /** Which addresses receivers may have: public ones plus the operator's allow-list. */
    policy: AddressPolicy = new AddressPolicy(),
    resolve?: Resolver,
  ) {
    this.http = new OutboundHttp({ policy, connections, ...(resolve ? { resolve } : {}) });
  }

  async send(attempt: WebhookAttempt): Promise<AttemptOutcome> {
    try {
      const response = await this.http.request(attempt.url, {
        method: 'POST',
        body: attempt.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': WEBHOOK_USER_AGENT,
          'x-webhook-id': attempt.webhookId,
          'x-webhook-attempt': String(attempt.attempt),
          'x-api-key': this.apiKey,
          'x-signature': signBody(this.apiSecret, attempt.body),
        },
        timeoutMs: attempt.timeoutMs,
      });
      const status = response.status;
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, status, error: `receiver answered ${status}` };
    } catch (err) {
      const e = err as Error & { code?: string };
      const error =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `timed out after ${attempt.timeoutMs} ms`
          : `${e.code ?? e.name}: ${e.message}`;
      return { ok: false, status: null, error: error.slice(0, 500) };
    }
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Stops new and running attempts at once. */
  abortAll(): void {
    this.closing.abort();
    this.http.abortAll();
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.http.close();
  }
}
