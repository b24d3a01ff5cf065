/**
 * Migration `0210_liveness_by_node`: a media connection owns its participant's liveness too, not only a realtime
 * connection. `session_participants.node_id` is set for both, so the index of live participations by node covers
 * every row with a `node_id` (it covered rows with a `connection_id` before, which left media-only participants of a
 * dead node in their session for ever).
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const livenessIndexMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
  async up(db: Kysely<any>) {
    await sql`drop index session_participants_live_by_node`.execute(db);
    await sql`create index session_participants_live_by_node on session_participants (node_id, call_cid)
      where left_at is null and node_id is not null`.execute(db);
  },
};
