/**
 * Migration `0310_reaped_participations`: a participation ended because its node was taken for dead keeps the
 * time of that reap in `session_participants.reaped_at`. A node that was declared dead while alive (a stall past
 * the node TTL, or an operator deleting its row) finds the participations it still holds a connection for by this
 * mark and brings them back (services/reassert.ts); an ordinary leave has no mark and is never undone. Expand only:
 * a nullable column and a partial index that older nodes ignore.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const reapedMarkerMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
  async up(db: Kysely<any>) {
    await db.schema.alterTable('session_participants').addColumn('reaped_at', 'text').execute();
    await sql`create index session_participants_reaped on session_participants (node_id, connection_id)
      where reaped_at is not null`.execute(db);
  },
};
