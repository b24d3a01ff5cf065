/**
 * The nodes of a cluster as `GET /api/v2/cluster/nodes` reports them (server tokens only): what each live node
 * wrote into its `cluster_nodes` row on its last heartbeat. Figures are as of that heartbeat (at most a third of
 * the node TTL old); a node of an older release that does not write them reports them as null.
 */
import { type Static, Type } from 'typebox';

const Count = (description: string) => Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description });

export const ClusterNodeMedia = Type.Object({
  rooms: Type.Integer({ minimum: 0, description: 'Calls with media on this node (SFU rooms).' }),
  participants: Type.Integer({ minimum: 0, description: 'Media participants (signaling sockets joined).' }),
  published_tracks: Type.Integer({ minimum: 0, description: 'Tracks published into the SFU.' }),
  transports: Type.Integer({ minimum: 0, description: 'WebRTC peer connections (two per media participant).' }),
});
export type ClusterNodeMedia = Static<typeof ClusterNodeMedia>;

export const ClusterNode = Type.Object({
  id: Type.String({ description: 'The node id (a fresh UUID per process start).' }),
  public_url: Type.Union([Type.String(), Type.Null()], {
    description: 'The URL clients reach this node at (`SWITCHBOARD_PUBLIC_URL`, or the address it listens on).',
  }),
  version: Type.Union([Type.String(), Type.Null()], { description: "The node's server package version." }),
  started_at: Type.String({ format: 'date-time' }),
  last_heartbeat_at: Type.String({ format: 'date-time' }),
  connections: Count('Realtime WebSocket connections this node holds.'),
  participants: Count('Participations whose live connection this node holds (it owns their liveness).'),
  media: Type.Union([ClusterNodeMedia, Type.Null()], {
    description: "The node's SFU load; null when media is off or not reported.",
  }),
  draining: Type.Boolean({ description: 'The node is shutting down (SIGTERM): it takes no new work.' }),
});
export type ClusterNode = Static<typeof ClusterNode>;

export interface ListClusterNodesResponse {
  /** The live nodes (a dead node's row is gone once a peer reaped it), oldest first. */
  nodes: ClusterNode[];
  duration: string;
}
