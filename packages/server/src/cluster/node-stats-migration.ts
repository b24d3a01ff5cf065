/**
 * Migration `0360_cluster_node_stats`: what each node reports about itself on every heartbeat, so that
 * `GET /api/v2/cluster/nodes` shows the cluster without asking each node (cluster/node-stats.ts). Nullable columns
 * only (an expand step): a node of an older release keeps writing its rows without them.
 */
import type { Kysely, Migration } from 'kysely';

const COLUMNS: Array<[string, 'text' | 'integer']> = [
  ['public_url', 'text'],
  ['version', 'text'],
  ['connections', 'integer'],
  ['participants', 'integer'],
  ['media_rooms', 'integer'],
  ['media_participants', 'integer'],
  ['media_tracks', 'integer'],
  ['media_transports', 'integer'],
  ['draining', 'integer'],
];

export const nodeStatsMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
  async up(db: Kysely<any>) {
    for (const [name, type] of COLUMNS) await db.schema.alterTable('cluster_nodes').addColumn(name, type).execute();
  },
};
