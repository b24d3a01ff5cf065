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
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  healthCheckIntervalMs: 10_000,
  idleTimeoutMs: 35_000,
  authTimeoutMs: 10_000,
  maxBufferedBytes: 2 * 1024 * 1024,
  maxMessageBytes: 64 * 1024,
  presenceGraceMs: 30_000,
};

export function realtimeOptions(overrides: Partial<RealtimeOptions> = {}): RealtimeOptions {
  const options = { ...DEFAULT_REALTIME_OPTIONS, ...overrides };
  for (const [key, value] of Object.entries(options)) {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`realtime option ${key} must be a number ≥ 0, got ${value}`);
  }
  return options;
}
