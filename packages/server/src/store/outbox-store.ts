import type { CallEvent } from '@switchboard/protocol';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxTable } from './schema.js';

/**
 * The durable outbox: events are appended in the same transaction as the state change that caused them, so an
 * event exists if and only if its change committed. Webhook and push deliverers drain it.
 */
export class OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(events: readonly CallEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('outbox')
      .values(
        events.map((e) => ({
          event_type: e.type,
          call_cid: e.call_cid,
          payload: JSON.stringify(e),
          created_at: e.created_at,
          event_id: e.id ?? null,
          relayed_at: null,
        })),
      )
      .execute();
  }

  /** Oldest first; for deliverers and tests. */
  list(afterId = 0, limit = 1000): Promise<Selectable<OutboxTable>[]> {
    return this.db.selectFrom('outbox').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
  }
}
