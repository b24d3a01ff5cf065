/**
 * One HTTP attempt of one webhook: POSTs the event's exact JSON text with its signature, over a keep-alive
 * connection pool (undici) so a steady stream of events does not pay a TCP (or TLS) handshake each.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { Agent, request } from 'undici';

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
  private readonly agent: Agent;
  /** Aborts attempts still running when the node closes (their deliveries stay claimed; see WebhookWorker). */
  private readonly closing = new AbortController();

  constructor(
    private readonly apiKey: string,
    private readonly apiSecret: string,
    /** Connections per receiver origin: as many as attempts may run at once, so none waits for a socket. */
    connections = 256,
  ) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections, pipelining: 1 });
  }

  async send(attempt: WebhookAttempt): Promise<AttemptOutcome> {
    try {
      const response = await request(attempt.url, {
        method: 'POST',
        dispatcher: this.agent,
        body: attempt.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': WEBHOOK_USER_AGENT,
          'x-webhook-id': attempt.webhookId,
          'x-webhook-attempt': String(attempt.attempt),
          'x-api-key': this.apiKey,
          'x-signature': signBody(this.apiSecret, attempt.body),
        },
        signal: AbortSignal.any([AbortSignal.timeout(attempt.timeoutMs), this.closing.signal]),
        headersTimeout: attempt.timeoutMs,
        bodyTimeout: attempt.timeoutMs,
      });
      // The answer's body is not used, but must be read for the connection to go back to the pool.
      await response.body.dump();
      const status = response.statusCode;
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
  }

  close(): Promise<void> {
    this.closing.abort();
    return this.agent.destroy();
  }
}
