/**
 * ListClusterNodes (`GET /api/v2/cluster/nodes`, server tokens only): the live nodes as their `cluster_nodes` rows
 * say, each row rewritten by its node on every heartbeat (node-liveness.ts, with cluster/node-stats.ts). One read,
 * answered the same by every node: no node asks another.
 */
import type { ClusterNode } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { notAllowed } from '../domain/errors.js';
import type { ClusterNodesTable } from '../store/schema.js';
import type { Store } from '../store/store.js';

/** Rows listed at most; far above any cluster this runs, so the answer stays bounded whatever the table holds. */
export const MAX_LISTED_NODES = 1000;

export async function listClusterNodes(store: Store, actor: Actor): Promise<ClusterNode[]> {
  if (actor.kind !== 'server') throw notAllowed('ListClusterNodes requires server-side auth');
  const rows = await store.read.db
    .selectFrom('cluster_nodes')
    .selectAll()
    .orderBy('started_at')
    .orderBy('node_id')
    .limit(MAX_LISTED_NODES)
    .execute();
  return rows.map(toClusterNode);
}

function toClusterNode(row: ClusterNodesTable): ClusterNode {
  const media =
    row.media_rooms === null ||
    row.media_participants === null ||
    row.media_tracks === null ||
    row.media_transports === null
      ? null
      : {
          rooms: Number(row.media_rooms),
          participants: Number(row.media_participants),
          published_tracks: Number(row.media_tracks),
          transports: Number(row.media_transports),
        };
  return {
    id: row.node_id,
    public_url: row.public_url,
    version: row.version,
    started_at: row.started_at,
    last_heartbeat_at: row.last_seen_at,
    connections: row.connections === null ? null : Number(row.connections),
    participants: row.participants === null ? null : Number(row.participants),
    media,
    draining: Number(row.draining ?? 0) === 1,
  };
}
