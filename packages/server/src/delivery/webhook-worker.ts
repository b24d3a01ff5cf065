/**
 * The webhook worker of one node: claims due deliveries, sends them (up to `maxInFlight` at once), and records each
 * outcome: delivered on 2xx; otherwise retried on the schedule, then dead-lettered. Every claim carries a short
 * lease (the node TTL) that this node extends while it still works on the claim (`renewLeases`, every third of the
 * lease): an attempt may take up to the hook's timeout, yet if this node dies its claims become due again for
 * another node within one lease, so a dead node holds up its calls' deliveries for about the node TTL, not longer.
 *
 * Outcomes are not written one by one: a finished attempt queues its outcome and rings the loop, and the next step
 * records every queued outcome and claims what became due, in one transaction. A (hook, call)'s next delivery is
 * claimable only once its predecessor's outcome is committed, so order holds; an outcome lost in a crash before
 * that commit leaves its row in flight, to be sent again when the lease runs out (at least once).
 */
import type { Logger } from 'pino';
import type { Repositories, Store } from '../store/store.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { type Chain, type DeliveryRow, DeliveryStore, type Settlement } from './delivery-store.js';
import { type ActiveHook, HookStore } from './hook-store.js';
import { retryDelay } from './retry-schedule.js';
import type { WebhookSender } from './webhook-sender.js';

export interface WorkerOptions {
  retryScheduleMs: readonly number[];
  maxInFlight: number;
  /** How long a claim holds without renewal (the node TTL): what a dead node's claims delay their calls by. */
  leaseMs: number;
  /**
   * A claim over every (hook, call) at least this often, even while settled attempts keep the worker busy with
   * their own calls: otherwise claims a dead node left would wait for a quiet moment.
   */
  fullClaimEveryMs: number;
}

export class WebhookWorker {
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Claims this node holds in the database (claimed, outcome not yet committed), by delivery id: their leases are
   * renewed. Bounded by `maxInFlight` plus the outcomes waiting for the next step.
   */
  private readonly held = new Map<number, DeliveryRow>();
  /** Outcomes of finished attempts, recorded by the next step. */
  private outcomes: Outcome[] = [];
  /** Whether due deliveries may exist beyond the chains of recorded outcomes (new, retried, left by a full claim). */
  private rescan = true;
  /** The earliest retry this worker knows of (epoch ms), to sleep until then between full claims. */
  private nextDueMs: number | undefined;
  /** When the last claim over every (hook, call) ran (epoch ms). */
  private lastFullMs = 0;

  constructor(
    private readonly store: Store,
    private readonly sender: WebhookSender,
    private readonly metrics: DeliveryMetrics,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: WorkerOptions,
    /** Called when an attempt finished: its outcome waits to be recorded, and its (hook, call) may go on. */
    private readonly onSettled: () => void,
  ) {}

  /**
   * Records finished attempts, claims and starts what is due; answers 'more' when it may have left due work behind,
   * otherwise how long until the next scheduled retry.
   */
  async step(): Promise<'more' | number> {
    const free = this.options.maxInFlight - this.inFlight.size;
    if (free <= 0 && this.outcomes.length === 0) return 60_000; // a finishing attempt wakes the loop
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs).toISOString();
    // After a finished attempt only its (hook, call) has a new head: claim just there (cheap) unless told otherwise.
    const full =
      this.rescan || this.outcomes.length === 0 || now.getTime() - this.lastFullMs >= this.options.fullClaimEveryMs;
    if (full && free > 0) {
      this.rescan = false;
      this.lastFullMs = now.getTime();
    }
    const only = full ? undefined : chainsOf(this.outcomes);
    // One transaction (one pool connection) for the whole step: on PostgreSQL each separate query would queue for a
    // connection behind the API's requests again.
    const { recorded, result } = await this.recordAnd(full, async (tx, deliveries) => {
      if (free <= 0) return { claimed: [], hooks: [], payloads: new Map<number, string>(), due: null };
      const claimed = await deliveries.claimDue(now.toISOString(), free, leaseUntil, only);
      const [hooks, payloads] =
        claimed.length > 0
          ? await Promise.all([new HookStore(tx.db).active(), deliveries.payloads(claimed.map((d) => d.outbox_id))])
          : [[], new Map<number, string>()];
      // Sleep until the next retry only when caught up (a full claim that left slots free).
      const due = full && claimed.length < free ? ((await deliveries.nextDueAt(now.toISOString())) ?? '') : null;
      return { claimed, hooks, payloads, due };
    });
    const { claimed, hooks, payloads, due } = result;
    this.reported(recorded);
    for (const { claim } of recorded) this.held.delete(claim.id);
    for (const delivery of claimed) this.held.set(delivery.id, delivery);
    for (const { change } of recorded) {
      if (change.status === 'pending')
        this.nextDueMs = Math.min(this.nextDueMs ?? Infinity, Date.parse(change.nextAttemptAt));
    }
    if (due !== null) this.nextDueMs = due === '' ? undefined : Date.parse(due);
    if (claimed.length === free) this.rescan = true;
    const byId = new Map(hooks.map((h) => [h.id, h]));
    for (const delivery of claimed) {
      const attempt = this.attempt(delivery, byId.get(delivery.hook_id), payloads.get(delivery.outbox_id));
      this.inFlight.add(attempt);
      void attempt.finally(() => {
        this.inFlight.delete(attempt);
        this.onSettled();
      });
    }
    if (free <= 0) return 60_000;
    if (claimed.length === free) return 'more';
    return this.nextDueMs === undefined ? 60_000 : Math.max(0, this.nextDueMs - this.now().getTime());
  }

  /**
   * Extends the lease of every claim this node still holds (run every third of the lease). A claim found taken over
   * (this node stalled past its lease) is no longer renewed; its outcome is then not recorded either (settleMany
   * checks the same token), and the node that took it over sends it again: at least once.
   */
  async renewLeases(): Promise<void> {
    if (this.held.size === 0) return;
    const claims = [...this.held.values()];
    const leaseUntil = new Date(this.now().getTime() + this.options.leaseMs).toISOString();
    const renewed = await new DeliveryStore(this.store.db, this.store.dialect).renewLeases(claims, leaseUntil);
    const lost = claims.filter((c) => !renewed.has(c.id) && this.held.get(c.id) === c);
    // Only claims still held now: one settled while the renewal ran is simply gone from the map.
    for (const claim of lost) this.held.delete(claim.id);
    if (lost.length > 0) this.logger.warn({ deliveries: lost.map((c) => c.id) }, 'webhook claims lost to another node');
  }

  /** New or requeued deliveries exist: the next step claims from every (hook, call). */
  rescanAll(): void {
    this.rescan = true;
  }

  /**
   * In one transaction: writes the queued outcomes, then runs `then` (the claim, which thereby already sees those
   * (hook, call)s free, and what the claimed attempts need). Outcomes go back to the queue if the transaction fails.
   */
  private async recordAnd<T>(
    /** Whether this step took over a pending full claim (asked for again if the transaction fails). */
    full: boolean,
    then: (tx: Repositories, deliveries: DeliveryStore) => Promise<T>,
  ): Promise<{ recorded: Outcome[]; result: T }> {
    const recorded = this.outcomes;
    this.outcomes = [];
    try {
      const result = await this.store.transaction(async (tx) => {
        const deliveries = new DeliveryStore(tx.db, this.store.dialect);
        if (recorded.length > 0) await deliveries.settleMany(recorded, this.now().toISOString());
        return then(tx, deliveries);
      });
      return { recorded, result };
    } catch (err) {
      this.outcomes = [...recorded, ...this.outcomes];
      if (full) this.rescan = true;
      throw err;
    }
  }

  /** Metrics and logs of outcomes once they are committed. */
  private reported(outcomes: readonly Outcome[]): void {
    for (const { claim, change } of outcomes) {
      const label =
        change.status === 'delivered' ? 'delivered' : change.status === 'dead_letter' ? 'dead_lettered' : 'failed';
      this.metrics.count(claim.hook_id, label);
      if (change.status === 'dead_letter') {
        this.logger.warn(
          { delivery: claim.id, hook: claim.hook_id, event: claim.event_id, error: change.error },
          'webhook dead-lettered',
        );
      }
    }
  }

  private async attempt(delivery: DeliveryRow, hook: ActiveHook | undefined, body: string | undefined): Promise<void> {
    try {
      if (!hook || body === undefined) {
        // The hook was removed or disabled, or the event purged: nothing to send to. Kept for the operator.
        const why = hook ? 'event no longer retained' : 'hook removed or disabled';
        this.queue(delivery, { ok: false, status: null, error: why }, true);
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
      this.queue(delivery, outcome, false);
    } catch (err) {
      this.logger.error({ err, delivery: delivery.id }, 'webhook attempt failed');
    }
  }

  private queue(
    delivery: DeliveryRow,
    outcome: { ok: true; status: number } | { ok: false; status: number | null; error: string },
    giveUp: boolean,
  ): void {
    const now = this.now();
    if (outcome.ok) {
      this.outcomes.push({
        claim: delivery,
        change: { status: 'delivered', nextAttemptAt: now.toISOString(), statusCode: outcome.status, error: null },
      });
      return;
    }
    const wait = giveUp ? undefined : retryDelay(this.options.retryScheduleMs, delivery.attempts, Math.random());
    this.outcomes.push({
      claim: delivery,
      change: {
        status: wait === undefined ? 'dead_letter' : 'pending',
        nextAttemptAt: new Date(now.getTime() + (wait ?? 0)).toISOString(),
        statusCode: outcome.status,
        error: outcome.error,
      },
    });
  }

  /**
   * Resolves when the attempts started so far have finished and their outcomes are recorded (closing the node
   * waits for this, after stopping the loop).
   */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.outcomes.length > 0) this.reported((await this.recordAnd(false, async () => [])).recorded);
  }
}

type Outcome = Settlement;

function chainsOf(outcomes: readonly Outcome[]): Chain[] {
  const chains = new Map<string, Chain>();
  for (const { claim } of outcomes) {
    chains.set(`${claim.hook_id}\n${claim.call_cid}`, { hookId: claim.hook_id, callCid: claim.call_cid });
  }
  return [...chains.values()];
}
