/** The webhook sink: turns each relayed event into one pending delivery per hook that wants its type. */

import type { Dialect } from '../store/database.js';
import type { Repositories } from '../store/store.js';
import type { NewDelivery } from './delivery-store.js';
import { DeliveryStore } from './delivery-store.js';
import { HookStore, wantsEvent } from './hook-store.js';
import type { OutboxSink, RelayedEvent } from './outbox-relay.js';
import { webhookIdFor } from './webhook-sender.js';

export function pendingDelivery(event: RelayedEvent, hookId: string, now: string): NewDelivery {
  return {
    hook_id: hookId,
    outbox_id: event.outboxId,
    event_id: event.eventId,
    event_type: event.eventType,
    call_cid: event.callCid,
    webhook_id: webhookIdFor(event.eventId, hookId),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_status_code: null,
    last_error: null,
    event_created_at: event.createdAt,
    created_at: now,
    updated_at: now,
    delivered_at: null,
  };
}

export class WebhookSink implements OutboxSink {
  readonly name = 'webhooks';

  constructor(
    private readonly dialect: Dialect,
    private readonly onQueued: () => void,
  ) {}

  async accept(tx: Repositories, events: readonly RelayedEvent[], now: string): Promise<void> {
    const hooks = await new HookStore(tx.db).active();
    if (hooks.length === 0) return;
    const rows: NewDelivery[] = [];
    for (const event of events) {
      for (const hook of hooks) if (wantsEvent(hook, event.eventType)) rows.push(pendingDelivery(event, hook.id, now));
    }
    await new DeliveryStore(tx.db, this.dialect).insert(rows);
  }

  relayed(): void {
    this.onQueued();
  }
}
