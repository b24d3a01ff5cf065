/**
 * The webhook worker of one node: claims due deliveries, sends them (up to `maxInFlight` at once), and records each
 * outcome: delivered on 2xx; otherwise retried on the schedule, then dead-lettered. Every claim carries a lease,
 * so if this node dies its in-flight deliveries become due again for another node once the lease runs out.
 */
import { HOOK_TIMEOUT_MAX_MS } from '@switchboard/protocol';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { type DeliveryRow, DeliveryStore } from './delivery-store.js';
import { type ActiveHook, HookStore } from './hook-store.js';
import { retryDelay } from './retry-schedule.js';
import type { WebhookSender } from './webhook-sender.js';

/** A claim outlives the longest attempt by this much before another node may take it over. */
const LEASE_MARGIN_MS = 15_000;

export interface WorkerOptions {
  retryScheduleMs: readonly number[];
  maxInFlight: number;
}

export class WebhookWorker {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deliveries: DeliveryStore;

  constructor(
    private readonly store: Store,
    private readonly sender: WebhookSender,
    private readonly metrics: DeliveryMetrics,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: WorkerOptions,
    /** Called when an attempt finished: its (hook, call) may have a next delivery due now. */
    private readonly onSettled: () => void,
  ) {
    this.deliveries = new DeliveryStore(store.db, store.dialect);
  }

  /**
   * Claims and starts what is due; answers 'more' when it may have left due work behind, otherwise how long until
   * the next scheduled retry.
   */
  async step(): Promise<'more' | number> {
    const free = this.options.maxInFlight - this.inFlight.size;
    if (free <= 0) return 60_000; // a finishing attempt wakes the loop
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + HOOK_TIMEOUT_MAX_MS + LEASE_MARGIN_MS).toISOString();
    const claimed = await this.store.transaction((tx) =>
      new DeliveryStore(tx.db, this.store.dialect).claimDue(now.toISOString(), free, leaseUntil),
    );
    if (claimed.length > 0) {
      const [hooks, payloads] = await Promise.all([
        new HookStore(this.store.db).active(),
        this.deliveries.payloads(claimed.map((d) => d.outbox_id)),
      ]);
      const byId = new Map(hooks.map((h) => [h.id, h]));
      for (const delivery of claimed) {
        const attempt = this.attempt(delivery, byId.get(delivery.hook_id), payloads.get(delivery.outbox_id));
        this.inFlight.add(attempt);
        void attempt.finally(() => {
          this.inFlight.delete(attempt);
          this.onSettled();
        });
      }
      if (claimed.length === free) return 'more';
    }
    const due = await this.deliveries.nextDueAt(this.now().toISOString());
    return due === undefined ? 60_000 : Math.max(0, Date.parse(due) - this.now().getTime());
  }

  private async attempt(delivery: DeliveryRow, hook: ActiveHook | undefined, body: string | undefined): Promise<void> {
    try {
      if (!hook || body === undefined) {
        // The hook was removed or disabled, or the event purged: nothing to send to. Kept for the operator.
        const why = hook ? 'event no longer retained' : 'hook removed or disabled';
        await this.record(delivery, { ok: false, status: null, error: why }, true);
        return;
      }
      const outcome = await this.sender.send({
        url: hook.url,
        body,
        webhookId: delivery.webhook_id,
        attempt: delivery.attempts,
        timeoutMs: hook.timeoutMs,
      });
      // Cut short by the node closing: the claim stays and is taken up again (lease, or restart on SQLite).
      if (this.sender.closed) return;
      await this.record(delivery, outcome, false);
    } catch (err) {
      this.logger.error({ err, delivery: delivery.id }, 'recording a webhook attempt failed');
    }
  }

  private async record(
    delivery: DeliveryRow,
    outcome: { ok: true; status: number } | { ok: false; status: number | null; error: string },
    giveUp: boolean,
  ): Promise<void> {
    const now = this.now();
    if (outcome.ok) {
      await this.deliveries.settle(
        delivery,
        { status: 'delivered', nextAttemptAt: now.toISOString(), statusCode: outcome.status, error: null },
        now.toISOString(),
      );
      this.metrics.count(delivery.hook_id, 'delivered');
      return;
    }
    const wait = giveUp ? undefined : retryDelay(this.options.retryScheduleMs, delivery.attempts, Math.random());
    const dead = wait === undefined;
    await this.deliveries.settle(
      delivery,
      {
        status: dead ? 'dead_letter' : 'pending',
        nextAttemptAt: new Date(now.getTime() + (wait ?? 0)).toISOString(),
        statusCode: outcome.status,
        error: outcome.error,
      },
      now.toISOString(),
    );
    this.metrics.count(delivery.hook_id, dead ? 'dead_lettered' : 'failed');
    if (dead) {
      this.logger.warn(
        { delivery: delivery.id, hook: delivery.hook_id, event: delivery.event_id, error: outcome.error },
        'webhook dead-lettered',
      );
    }
  }

  /** Resolves when the attempts started so far have finished (closing the node waits for them). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
