/**
 * Migration `0320_outbox_resume_indexes`: what a resuming WebSocket reads (realtime/resume.ts). It finds the event
 * the client last received by its id, then the later events of the calls the connection hears about, in id order.
 * Only indexes: an older node ignores them (expand-only).
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const outboxResumeIndexesMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
  async up(db: Kysely<any>) {
    await sql`create index if not exists outbox_by_event_id on outbox (event_id)`.execute(db);
    await sql`create index if not exists outbox_by_call on outbox (call_cid, id)`.execute(db);
  },
};
