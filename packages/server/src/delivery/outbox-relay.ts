/**
 * The outbox relay: claims committed outbox rows in commit order and hands each batch to the sinks, in the same
 * transaction that marks the rows relayed. A sink that needs more than that transaction (an HTTP call) records its
 * own durable work there (the webhook sink writes one delivery row per hook) and does it afterwards.
 *
 * Commit order: rows are read in id order among those not yet relayed, so a transaction that took an id early and
 * committed late is not skipped (as a reader of `id > last` would): it is relayed by a later batch. Two
 * transactions of one call cannot commit out of id order, since both write the call's row first and the second
 * waits for the first. On PostgreSQL the batch takes a transaction-scoped advisory lock, so one node relays at a
 * time (deliveries of one call are then created in event order), and claims its rows with FOR UPDATE SKIP LOCKED.
 */
import { sql } from 'kysely';
import type { Dialect } from '../store/database.js';
import type { Repositories, Store } from '../store/store.js';

export interface RelayedEvent {
  outboxId: number;
  eventId: string;
  eventType: string;
  callCid: string;
  createdAt: string;
}

/** Where relayed events go: webhooks now; push notifications and the cross-node bus can be sinks too. */
export interface OutboxSink {
  readonly name: string;
  /** Runs inside the relay's transaction: what it writes commits together with "these rows are relayed". */
  accept(tx: Repositories, events: readonly RelayedEvent[], now: string): Promise<void>;
  /** After the commit (wake a worker, publish). Must not throw. */
  relayed?(events: readonly RelayedEvent[]): void;
}

export class OutboxRelay {
  constructor(
    private readonly store: Store,
    private readonly sinks: readonly OutboxSink[],
    private readonly now: () => string,
    private readonly batchSize = 500,
  ) {}

  /** Relays one batch; answers how many rows it relayed (fewer than the batch size: caught up for now). */
  async relayBatch(): Promise<number> {
    const now = this.now();
    const events = await this.store.transaction(async (tx) => {
      await lockRelay(tx, this.store.dialect);
      const lock = this.store.dialect === 'postgres' ? sql`for update skip locked` : sql``;
      const rows = await sql<{
        id: number | string;
        event_id: string | null;
        event_type: string;
        call_cid: string | null;
        created_at: string;
      }>`
        select id, event_id, event_type, call_cid, created_at from outbox
        where relayed_at is null order by id limit ${this.batchSize} ${lock}`.execute(tx.db);
      if (rows.rows.length === 0) return [];
      const batch: RelayedEvent[] = rows.rows.map((r) => ({
        outboxId: Number(r.id),
        eventId: r.event_id ?? `outbox-${r.id}`,
        eventType: r.event_type,
        callCid: r.call_cid ?? '',
        createdAt: r.created_at,
      }));
      for (const sink of this.sinks) await sink.accept(tx, batch, now);
      const ids = batch.map((e) => e.outboxId);
      await tx.db.updateTable('outbox').set({ relayed_at: now }).where('id', 'in', ids).execute();
      return batch;
    });
    if (events.length > 0) for (const sink of this.sinks) sink.relayed?.(events);
    return events.length;
  }
}

/** One relaying transaction at a time per schema on PostgreSQL (SQLite transactions are serial anyway). */
export async function lockRelay(tx: Repositories, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':switchboard.outbox_relay'))`.execute(tx.db);
}
