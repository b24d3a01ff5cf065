/**
 * What a node says about itself: read by `/metrics` (cluster/node-metrics.ts) and written into its `cluster_nodes`
 * row on every heartbeat (node-liveness.ts calls the provider), which `GET /api/v2/cluster/nodes` lists
 * (cluster/cluster-nodes.ts). The composition root wires the sources; this file only shapes them.
 */
import type { MediaStats } from '../media/media-server.js';
import type { Store } from '../store/store.js';

/** The live figures of this node, read when asked (each is cheap: a size, a flag or one indexed count). */
export interface NodeStatsSources {
  nodeId: string;
  version: string;
  publicUrl(): string;
  /** Realtime WebSocket connections held. */
  connections(): number;
  /** Undefined when media is off. */
  media(): MediaStats | undefined;
  draining(): boolean;
}

/** The `cluster_nodes` columns a heartbeat writes besides `last_seen_at`. */
export interface NodeStatsColumns {
  public_url: string;
  version: string;
  connections: number;
  participants: number;
  media_rooms: number | null;
  media_participants: number | null;
  media_tracks: number | null;
  media_transports: number | null;
  draining: number;
}

/** Each media participant holds two WebRTC peer connections: one it publishes on, one it receives on. */
export const TRANSPORTS_PER_MEDIA_PARTICIPANT = 2;

/** Participations whose live connection (realtime or media) this node holds: the ones it owns the liveness of. */
export async function ownedParticipants(store: Store, nodeId: string): Promise<number> {
  const row = await store.read.db
    .selectFrom('session_participants')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('node_id', '=', nodeId)
    .where('left_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * A heartbeat's provider, in two parts: the figures this process knows (read at each beat, no I/O) and the one
 * that needs a query (owned participants), which node-liveness.ts reads in the background: a heartbeat must never
 * wait on the request pool.
 */
export interface NodeStatsReport {
  current(): Omit<NodeStatsColumns, 'participants'>;
  counted(): Promise<Pick<NodeStatsColumns, 'participants'>>;
}

export function nodeStatsProvider(store: Store, sources: NodeStatsSources): NodeStatsReport {
  return {
    current: () => {
      const media = sources.media();
      return {
        public_url: sources.publicUrl(),
        version: sources.version,
        connections: sources.connections(),
        media_rooms: media ? media.rooms : null,
        media_participants: media ? media.participants : null,
        media_tracks: media ? media.publishedTracks : null,
        media_transports: media ? media.participants * TRANSPORTS_PER_MEDIA_PARTICIPANT : null,
        draining: sources.draining() ? 1 : 0,
      };
    },
    counted: async () => ({ participants: await ownedParticipants(store, sources.nodeId) }),
  };
}
