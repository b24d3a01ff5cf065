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
} as const;
export type ConnectionEventType = (typeof ConnectionEventType)[keyof typeof ConnectionEventType];

/** The client's first message after the socket opens. */
export interface ConnectRequest {
  token: string;
  products?: string[];
  /** Upserts the connecting user's name, image and custom data (the user is created when missing). */
  user_details?: { id: string; name?: string; image?: string; custom?: Custom };
}

/** The connected user as `connection.ok` reports it. */
export type OwnUser = User;

export interface ConnectionOkEvent {
  type: 'connection.ok';
  connection_id: string;
  me: OwnUser;
  created_at: string;
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

/** Everything the server sends over a realtime connection. */
export type ServerMessage = ConnectionOkEvent | ConnectionErrorEvent | HealthCheckEvent | CallEvent;
