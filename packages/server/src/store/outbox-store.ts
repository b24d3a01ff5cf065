import type { CallEvent } from '@switchboard/protocol';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxTable } from './schema.js';

/**
 * The durable outbox: events are appended in the same transaction as the state change that caused them, so an
 * event exists if and only if its change committed. Webhook and push deliverers drain it. Events that change no
 * state (custom events) are appended by the node's group commit instead (outbox-group-commit.ts).
 */
export class OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  append(events: readonly CallEvent[]): Promise<void> {
    return insertOutboxRows(this.db, events);
  }

  /** Oldest first; for deliverers and tests. */
  list(afterId = 0, limit = 1000): Promise<Selectable<OutboxTable>[]> {
    return this.db.selectFrom('outbox').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
  }
}

/** One multi-row INSERT: the rows get ascending ids in the order given (one statement, one round trip). */
export async function insertOutboxRows(db: Kysely<Database>, events: readonly CallEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
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
