/**
 * One interface for every push service (APNs, FCM, Web Push). A provider sends one message to one device and says
 * what the service answered, classified for the worker: sent; the token is dead (the device is removed); worth
 * trying again (HTTP 429 / 5xx / timeout / connection failure, with the service's Retry-After when it gave one);
 * or refused for good (any other 4xx: retrying would only repeat it).
 */
import type { PushProviderType } from '@switchboard/protocol';

export interface PushMessage {
  /** The provider's device token (Web Push: the subscription JSON). */
  token: string;
  /** APNs only: `voip` goes to the app's PushKit topic (`<bundle>.voip`), the rest are alerts. */
  kind: 'voip' | 'alert';
  title: string;
  body: string;
  /** Flat string fields every provider carries: `sender`, `type`, `call_cid`, caller, video flag, ... */
  data: Record<string, string>;
  /** Epoch seconds after which the service should drop an undelivered message; 0 = now or never. */
  expiresAt: number;
}

export type PushResult =
  | { outcome: 'sent'; status: number }
  | { outcome: 'unregistered'; status: number; error: string }
  | { outcome: 'retry'; status: number | null; error: string; retryAfterMs?: number }
  | { outcome: 'failed'; status: number | null; error: string };

export interface PushProvider {
  readonly type: PushProviderType;
  readonly name: string;
  /** Never throws: every failure is a PushResult. */
  send(message: PushMessage): Promise<PushResult>;
  /** Ends connections; sends in flight fail with a `retry` result. */
  close(): Promise<void>;
}

/** How long one request to a push service may take before it counts as a (retryable) timeout. */
export const PUSH_REQUEST_TIMEOUT_MS = 10_000;

/** `Retry-After` in seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | null | undefined, nowMs = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 24 * 3600_000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Classifies the statuses all three services share; the caller handles its own dead-token answers first. */
export function classifyStatus(status: number, error: string, retryAfter?: number): PushResult {
  if (status >= 200 && status < 300) return { outcome: 'sent', status };
  if (status === 429 || status >= 500) {
    return { outcome: 'retry', status, error, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  }
  return { outcome: 'failed', status, error };
}

/**
 * A request that did not get an answer: a refused address is final (retrying would be refused again and only
 * probe the same target more often); a network failure or timeout is worth another try.
 */
export function failure(what: string, err: unknown): PushResult {
  // The refusal may arrive wrapped (an HTTP/2 stream cancelled because its session could not connect).
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'ERR_OUTBOUND_REFUSED') return { outcome: 'failed', status: null, error: `${what}: ${String(err)}` };
  }
  return { outcome: 'retry', status: null, error: `${what}: ${String(err)}` };
}

/** A counting semaphore: at most `limit` sends to one provider at once. */
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
