/**
 * What operators do with deliveries (server tokens only): list them, retry a dead letter, replay retained events
 * of a time range to one hook.
 */
import type { ListDeliveriesQuery, ReplayEventsRequest, WebhookDelivery } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { inputError, notFound } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import { requireServer } from './app-settings.js';
import { DeliveryStore, deliveryView } from './delivery-store.js';
import { HookStore, wantsEvent } from './hook-store.js';
import { lockRelay } from './outbox-relay.js';
import { pendingDelivery } from './webhook-sink.js';

/** Most events one replay request may queue; a larger range is refused (ask for a narrower one). */
export const MAX_REPLAY_EVENTS = 50_000;
const DEFAULT_PAGE = 100;

export class DeliveryAdmin {
  constructor(
    private readonly store: Store,
    private readonly now: () => string,
    /** New pending deliveries exist: let the worker look now. */
    private readonly wakeWorker: () => void,
  ) {}

  async list(actor: Actor, query: ListDeliveriesQuery): Promise<{ deliveries: WebhookDelivery[]; next?: string }> {
    requireServer(actor, 'listing webhook deliveries');
    const limit = query.limit ?? DEFAULT_PAGE;
    const rows = await new DeliveryStore(this.store.db, this.store.dialect).list({
      hookId: query.hook_id,
      status: query.status,
      callCid: query.call_cid,
      before: query.before === undefined ? undefined : Number(query.before),
      limit,
    });
    const last = rows.at(-1);
    return { deliveries: rows.map(deliveryView), ...(rows.length === limit && last ? { next: String(last.id) } : {}) };
  }

  async retry(actor: Actor, id: string): Promise<WebhookDelivery> {
    requireServer(actor, 'retrying webhook deliveries');
    const deliveries = new DeliveryStore(this.store.db, this.store.dialect);
    const numeric = /^[0-9]{1,15}$/.test(id) ? Number(id) : undefined;
    const row = numeric === undefined ? undefined : await deliveries.get(numeric);
    if (!row || numeric === undefined) throw notFound(`webhook delivery ${id} does not exist`);
    if (!(await deliveries.requeueDead(numeric, this.now()))) {
      throw inputError(`only a dead-lettered delivery can be retried; delivery ${id} is ${row.status}`, 'id');
    }
    this.wakeWorker();
    const requeued = await deliveries.get(numeric);
    return deliveryView(requeued ?? row);
  }

  async replay(actor: Actor, request: ReplayEventsRequest): Promise<number> {
    requireServer(actor, 'replaying webhook events');
    const from = new Date(request.from).toISOString();
    const to = new Date(request.to).toISOString();
    if (from > to) throw inputError('from must not be later than to', 'from');
    const hook = (await new HookStore(this.store.db).active()).find((h) => h.id === request.hook_id);
    if (!hook) throw inputError(`no enabled hook has id ${request.hook_id}`, 'hook_id');
    const types = request.event_types?.length ? new Set(request.event_types) : undefined;
    const now = this.now();
    const queued = await this.store.transaction(async (tx) => {
      await lockRelay(tx, this.store.dialect); // replayed deliveries take ids after every relayed one
      let q = tx.db
        .selectFrom('outbox')
        .select(['id', 'event_id', 'event_type', 'call_cid', 'created_at'])
        .where('created_at', '>=', from)
        .where('created_at', '<=', to)
        .where('relayed_at', 'is not', null);
      if (request.call_cid !== undefined) q = q.where('call_cid', '=', request.call_cid);
      const rows = await q
        .orderBy('id')
        .limit(MAX_REPLAY_EVENTS + 1)
        .execute();
      if (rows.length > MAX_REPLAY_EVENTS) {
        throw inputError(`more than ${MAX_REPLAY_EVENTS} events in that range; replay a narrower one`, 'to');
      }
      const deliveries = rows
        .filter((r) => (types ? types.has(r.event_type) : wantsEvent(hook, r.event_type)))
        .map((r) =>
          pendingDelivery(
            {
              outboxId: Number(r.id),
              eventId: r.event_id ?? `outbox-${r.id}`,
              eventType: r.event_type,
              callCid: r.call_cid ?? '',
              createdAt: r.created_at,
            },
            hook.id,
            now,
          ),
        );
      await new DeliveryStore(tx.db, this.store.dialect).insert(deliveries);
      return deliveries.length;
    });
    if (queued > 0) this.wakeWorker();
    return queued;
  }
}
