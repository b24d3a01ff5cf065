/**
 * The node's own gauges on `/metrics`, read at scrape time: realtime connections, the participations it owns, its
 * SFU's load, the Redis bus links and how old its heartbeat is. Every series carries the `node` label (the
 * registry's default label, set by the composition root), so a cluster's scrapes add up and tell nodes apart.
 */
import { Gauge, type Registry } from 'prom-client';
import type { MediaStats } from '../media/media-server.js';

export interface NodeGaugeSources {
  connections(): number;
  /** Participations whose live connection this node holds (one indexed count). */
  ownedParticipants(): Promise<number>;
  /** Absent when media is off: the SFU gauges are then not registered. */
  media?: () => MediaStats;
  /** WebRTC peer connections per media participant. */
  transportsPerMediaParticipant: number;
  /** Absent on a single node (no Redis bus): the bus gauges are then not registered. */
  bus?: () => { connected: boolean; subscribedChannels: number };
  /** Milliseconds since the last heartbeat written; undefined before the first. */
  heartbeatAgeMs(): number | undefined;
  draining(): boolean;
}

export function registerNodeGauges(registry: Registry, sources: NodeGaugeSources): void {
  const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await read());
      },
    });
  gauge('switchboard_websocket_connections', 'Authenticated realtime WebSocket connections held by this node', () =>
    sources.connections(),
  );
  let owned = 0;
  // A scrape while the database is unreachable still answers: the last count read stands.
  gauge(
    'switchboard_participants_owned',
    'Live participations whose connection (realtime or media) this node holds',
    () =>
      sources.ownedParticipants().then(
        (n) => {
          owned = n;
          return n;
        },
        () => owned,
      ),
  );
  const media = sources.media;
  if (media) {
    gauge('switchboard_sfu_rooms', 'Calls with media on this node (SFU rooms)', () => media().rooms);
    gauge('switchboard_sfu_participants', 'Media participants on this node', () => media().participants);
    gauge('switchboard_sfu_published_tracks', 'Tracks published into this node', () => media().publishedTracks);
    gauge('switchboard_sfu_forwarded_streams', 'Forwarded streams (one per subscriber and track)', () => {
      return media().forwardedStreams;
    });
    gauge('switchboard_sfu_transports', 'WebRTC peer connections held by this node', () => {
      return media().participants * sources.transportsPerMediaParticipant;
    });
  }
  const bus = sources.bus;
  if (bus) {
    gauge('switchboard_bus_connected', 'The Redis bus links are up (1) or not (0)', () => Number(bus().connected));
    gauge(
      'switchboard_bus_subscriptions',
      'Redis pub/sub channels this node holds subscribed (the cluster bus and its command channel)',
      () => bus().subscribedChannels,
    );
  }
  gauge('switchboard_heartbeat_age_seconds', 'Seconds since this node last wrote its heartbeat row', () => {
    return (sources.heartbeatAgeMs() ?? 0) / 1000;
  });
  gauge('switchboard_draining', 'The node is draining (1, after SIGTERM) or serving (0)', () =>
    Number(sources.draining()),
  );
}
