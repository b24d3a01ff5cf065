/**
 * Messages of the realtime connection (docs/api.md "Realtime connection") other than call events: the client's auth
 * message, the server's answer to it, and health checks in both directions. Server and SDK both import these so
 * the handshake is written down once.
 */
import type { APIErrorBody } from './errors.js';
import type { CallEvent } from './events.js';
import type { Custom, User } from './models.js';

export const ConnectionEventType = {
  ConnectionOk: 'connection.ok',
  ConnectionError: 'connection.error',
  HealthCheck: 'health.check',
  ConnectionResync: 'connection.resync',
} as const;
export type ConnectionEventType = (typeof ConnectionEventType)[keyof typeof ConnectionEventType];

/** The client's first message after the socket opens. */
export interface ConnectRequest {
  token: string;
  products?: string[];
  /** Upserts the connecting user's name, image and custom data (the user is created when missing). */
  user_details?: { id: string; name?: string; image?: string; custom?: Custom };
  /**
   * Resume after a reconnect: the `id` of the last call event this client received. The node first sends
   * `connection.ok`, then every event committed after that one which this connection should have received (in
   * commit order), then continues live; no event is sent twice by the node within one connection. When it cannot
   * (the event is unknown or older than the outbox retention, or more events than the replay bound are missing) it
   * sends `connection.resync` instead and the client must re-read the state it shows.
   */
  last_event_id?: string;
  /**
   * The calls the client watched before the reconnect (cids, at most 100): watched again before the replay, with
   * the same read check as GetCall, so their watcher events are replayed and none is missed after. Calls the user
   * may no longer read are left out silently (re-read them to learn why).
   */
  watch_call_cids?: string[];
}

/** The connected user as `connection.ok` reports it. */
export type OwnUser = User;

export interface ConnectionOkEvent {
  type: 'connection.ok';
  connection_id: string;
  me: OwnUser;
  created_at: string;
  /**
   * The newest event committed when this connection started (absent when there is none yet): a client that
   * receives no call event before it loses the socket resumes from this one, so it misses nothing either.
   */
  last_event_id?: string;
}

/** Sent before the server closes a connection it refused (close code 1000: do not reconnect). */
export interface ConnectionErrorEvent {
  type: 'connection.error';
  error: APIErrorBody;
  created_at: string;
}

/** Client → server (usually wrapped in a one-element array); `client_id` is the client's own label. */
export interface HealthCheckRequest {
  type: 'health.check';
  client_id?: string;
}

/** Server → client: the answer to each client ping, and the server's own periodic ping. */
export interface HealthCheckEvent {
  type: 'health.check';
  connection_id: string;
  created_at: string;
}

/**
 * Why a resume could not replay what the client missed: `unknown_event` (the `last_event_id` is not in the outbox:
 * older than its retention, or never committed), `too_many_events` (more missed events than the node replays) or
 * `replay_failed` (the node could not read them, e.g. its database timed out).
 */
export type ResyncReason = 'unknown_event' | 'too_many_events' | 'replay_failed';

/**
 * Server → client, right after `connection.ok`, instead of a replay: some events since `last_event_id` will not be
 * delivered, so the client must re-read the state it shows (calls, members, participants). Live events follow.
 */
export interface ConnectionResyncEvent {
  type: 'connection.resync';
  connection_id: string;
  reason: ResyncReason;
  /** The `last_event_id` the client resumed from. */
  last_event_id: string;
  created_at: string;
}

/** Everything the server sends over a realtime connection. */
export type ServerMessage =
  | ConnectionOkEvent
  | ConnectionErrorEvent
  | HealthCheckEvent
  | ConnectionResyncEvent
  | CallEvent;
