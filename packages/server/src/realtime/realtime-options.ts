/** Tunables of the realtime gateway and presence. Defaults follow docs/api.md "Realtime connection". */
export interface RealtimeOptions {
  /** The server pings every connection this often (`health.check`). */
  healthCheckIntervalMs: number;
  /** A connection silent (no frame at all) for this long is closed with `HealthCheckTimeout`. */
  idleTimeoutMs: number;
  /** Time allowed between the socket opening and the auth message. */
  authTimeoutMs: number;
  /**
   * Bytes that may wait to be written to one connection; past it the connection is closed with `SendQueueFull`.
   * Bounds memory per slow reader (at most this plus one event each).
   */
  maxBufferedBytes: number;
  /** Largest message a client may send (auth and health checks are small). */
  maxMessageBytes: number;
  /** How long a participant who joined over a connection stays after it closed (reconnect window). */
  presenceGraceMs: number;
  /** Realtime connections one user may hold open on this node; the next handshake is refused (code 9). 0 = any. */
  maxConnectionsPerUser: number;
  /**
   * WebSockets (realtime and media signaling, authenticated or not) this node holds; past it an upgrade is answered
   * 503. Kept below the node's TCP connection cap (see `webSocketCap`), so plain HTTP always finds room. 0 = any.
   */
  maxWebSockets: number;
  /** Most events a resuming connection is replayed; more missed than that answers `connection.resync`. */
  resumeMaxEvents: number;
  /** Most bytes (event JSON) a resuming connection is replayed; more answers `connection.resync`. */
  resumeMaxBytes: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  healthCheckIntervalMs: 10_000,
  idleTimeoutMs: 35_000,
  authTimeoutMs: 10_000,
  maxBufferedBytes: 2 * 1024 * 1024,
  maxMessageBytes: 64 * 1024,
  presenceGraceMs: 30_000,
  maxConnectionsPerUser: 20,
  maxWebSockets: 9_000,
  resumeMaxEvents: 1000,
  resumeMaxBytes: 8 * 1024 * 1024,
};

/**
 * The WebSocket cap that leaves plain HTTP room under the node's TCP cap (`maxConnections`, 0 = none): at most
 * nine tenths of it, so `/healthz` and REST keep answering while one user's sockets pile up to the WebSocket cap.
 */
export function webSocketCap(maxWebSockets: number, maxConnections: number): number {
  if (maxConnections <= 0) return maxWebSockets;
  const room = Math.max(1, maxConnections - Math.max(1, Math.ceil(maxConnections / 10)));
  return maxWebSockets > 0 ? Math.min(maxWebSockets, room) : room;
}

export function realtimeOptions(overrides: Partial<RealtimeOptions> = {}): RealtimeOptions {
  const options = { ...DEFAULT_REALTIME_OPTIONS, ...overrides };
  for (const [key, value] of Object.entries(options)) {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`realtime option ${key} must be a number ≥ 0, got ${value}`);
  }
  return options;
}
