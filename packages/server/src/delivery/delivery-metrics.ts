/** Delivery figures on `/metrics`: attempts' outcomes per hook, and how far behind the oldest open event is. */
import { Counter, Gauge, type Registry } from 'prom-client';

export type AttemptResult = 'delivered' | 'failed' | 'dead_lettered';

export class DeliveryMetrics {
  private readonly outcomes: Counter<'hook' | 'outcome'>;

  constructor(registry: Registry, oldestUndelivered: () => Promise<string | undefined>, now: () => number) {
    this.outcomes = new Counter({
      name: 'switchboard_webhook_deliveries_total',
      help: 'Webhook attempts by hook and outcome (delivered; failed = will retry; dead_lettered = gave up)',
      labelNames: ['hook', 'outcome'] as const,
      registers: [registry],
    });
    // The outbox is the cluster's, drained by every node: each node reports the same figure, so the series says
    // so (`scope="cluster"`); take one node's value (max by scope), never the sum over nodes.
    new Gauge({
      name: 'switchboard_outbox_lag_seconds',
      help: 'Age of the oldest committed event not yet delivered or dead-lettered (0 when none), cluster-wide',
      labelNames: ['scope'] as const,
      registers: [registry],
      async collect() {
        const oldest = await oldestUndelivered();
        this.set({ scope: 'cluster' }, oldest ? Math.max(0, (now() - Date.parse(oldest)) / 1000) : 0);
      },
    });
  }

  count(hookId: string, result: AttemptResult): void {
    this.outcomes.inc({ hook: hookId, outcome: result });
  }
}
