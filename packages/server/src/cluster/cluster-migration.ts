/**
 * Migration `0200_cluster_nodes_and_jobs`: what several nodes on one database share for liveness and timers.
 *
 * - `cluster_nodes`: one row per running node, its heartbeat in `last_seen_at` (cluster/node-liveness.ts).
 * - `session_participants.node_id`: the node holding the connection a participant joined over. The partial index
 *   holds live participations with a connection only, so finding a dead node's participants reads nothing else.
 * - `scheduled_jobs`: durable timers (cluster/durable-timers.ts). `scheduled_jobs_due` serves the sweep's claim
 *   (oldest due first); `scheduled_jobs_by_subject` finds a user's presence jobs (reconnect take-over).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store/database.js';

export function clusterMigration(dialect: Dialect): Migration {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('cluster_nodes')
        .addColumn('node_id', text, (c) => c.primaryKey())
        .addColumn('started_at', text, (c) => c.notNull())
        .addColumn('last_seen_at', text, (c) => c.notNull())
        .execute();
      await db.schema.alterTable('session_participants').addColumn('node_id', text).execute();
      await sql`create index session_participants_live_by_node on session_participants (node_id, call_cid)
        where left_at is null and connection_id is not null`.execute(db);
      await db.schema
        .createTable('scheduled_jobs')
        .addColumn('key', text, (c) => c.primaryKey())
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('subject', text)
        .addColumn('due_at', text)
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('token', text, (c) => c.notNull())
        .addColumn('claimed_by', text)
        .addColumn('claimed_until', text)
        .execute();
      await sql`create index scheduled_jobs_due on scheduled_jobs (due_at) where due_at is not null`.execute(db);
      await db.schema
        .createIndex('scheduled_jobs_by_subject')
        .on('scheduled_jobs')
        .columns(['kind', 'subject'])
        .execute();
    },
  };
}
