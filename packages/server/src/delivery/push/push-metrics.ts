/** Push figures on `/metrics`: attempts' outcomes per provider. */
import { Counter, type Registry } from 'prom-client';

/** sent; failed = refused for good or retries used up; retried; device_removed = the token was dead. */
export type PushOutcome = 'sent' | 'failed' | 'retried' | 'device_removed' | 'skipped';

export class PushMetrics {
  private readonly outcomes: Counter<'provider' | 'outcome'>;

  constructor(registry: Registry) {
    this.outcomes = new Counter({
      name: 'switchboard_push_notifications_total',
      help: 'Push attempts by provider name and outcome (sent, failed, retried, device_removed, skipped)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    });
  }

  count(provider: string, outcome: PushOutcome): void {
    this.outcomes.inc({ provider, outcome });
  }
}
