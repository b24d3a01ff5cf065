/**
 * Migration `0220_unowned_participants`: participations that no connection holds (`node_id` null: an HTTP JoinCall
 * whose client never connected realtime or media) leave after the owner deadline. Every node looks for them on each
 * heartbeat, so they are indexed by join time among the live rows without an owner only.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const unownedIndexMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
  async up(db: Kysely<any>) {
    await sql`create index session_participants_unowned on session_participants (joined_at)
      where left_at is null and node_id is null`.execute(db);
  },
};
