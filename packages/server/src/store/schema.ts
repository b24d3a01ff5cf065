/**
 * Table shapes shared by both dialects. JSON columns hold JSON text; booleans are 0/1 integers; timestamps are
 * RFC 3339 strings with milliseconds in UTC (fixed width, so text order is time order; PostgreSQL columns use the
 * "C" collation so both dialects sort ids and times byte-wise).
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  name: string | null;
  image: string | null;
  role: string;
  custom: string;
  teams: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface CallTypesTable {
  name: string;
  grants: string;
  settings: string;
  notification_settings: string;
  created_at: string;
  updated_at: string;
}

export interface CallsTable {
  cid: string;
  type: string;
  id: string;
  created_by_user_id: string;
  team: string | null;
  custom: string;
  settings_override: string;
  starts_at: string | null;
  backstage: number;
  blocked_user_ids: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  deleted_at: string | null;
  current_session_id: string | null;
}

export interface CallMembersTable {
  call_cid: string;
  user_id: string;
  role: string;
  custom: string;
  created_at: string;
  updated_at: string;
}

export interface CallSessionsTable {
  id: string;
  call_cid: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  live_started_at: string | null;
  live_ended_at: string | null;
  /** JSON maps user id → time. */
  accepted_by: string;
  rejected_by: string;
  missed_by: string;
  /** JSON list of `{ session_id, user_id, pinned_at }`. */
  pins: string;
}

export interface SessionParticipantsTable {
  user_session_id: string;
  session_id: string;
  call_cid: string;
  user_id: string;
  role: string;
  joined_at: string;
  left_at: string | null;
  /** The realtime connection the participant joined over, when any (presence-driven leave). */
  connection_id: string | null;
  /**
   * The node holding the participation's live connection (the realtime connection above, or the SFU connection
   * that took it over): its death makes the participant leave (cluster/node-liveness.ts).
   */
  node_id: string | null;
  /** Set when the participation left because its node was taken for dead (services/reassert.ts). */
  reaped_at?: string | null;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  push_provider: string;
  push_provider_name: string | null;
  voip_token: number;
  created_at: string;
}

/** Events committed with the state change that caused them, awaiting webhook / push delivery. */
export interface OutboxTable {
  id: Generated<number>;
  event_type: string;
  call_cid: string | null;
  payload: string;
  created_at: string;
  /** The event's id (stamped at commit); null on rows written before ids existed. */
  event_id: string | null;
  /** When the outbox relay handed the row to its sinks; null while it waits (delivery/outbox-relay.ts). */
  relayed_at: string | null;
}

export interface AppSettingsTable {
  id: string;
  webhook_url: string | null;
  updated_at: string;
}

export interface EventHooksTable {
  id: string;
  position: number;
  hook_type: string;
  enabled: number;
  /** JSON list of event types; empty = every event. */
  event_types: string;
  webhook_url: string;
  timeout_ms: number | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  hook_id: string;
  outbox_id: number;
  event_id: string;
  event_type: string;
  call_cid: string;
  webhook_id: string;
  /** pending | in_flight | delivered | dead_letter */
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  event_created_at: string;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

/** One row per running node, kept fresh by its heartbeat (cluster/node-liveness.ts). */
export interface ClusterNodesTable {
  node_id: string;
  started_at: string;
  /** Stored time of the last heartbeat; older than the node TTL means the node is dead. */
  last_seen_at: string;
  /** What the node reported about itself on its last heartbeat (cluster/node-stats.ts); null from older nodes. */
  public_url: string | null;
  version: string | null;
  connections: number | null;
  participants: number | null;
  media_rooms: number | null;
  media_participants: number | null;
  media_tracks: number | null;
  media_transports: number | null;
  /** 1 while the node drains (SIGTERM), 0 otherwise. */
  draining: number | null;
}

/** Durable one-shot timers and the state they act on (cluster/durable-timers.ts). */
export interface ScheduledJobsTable {
  /** `kind:subject-id`, e.g. `ring:default:abc` or `presence:<connection id>`; one pending job per key. */
  key: string;
  kind: string;
  /** What the job is about, for lookups other than by key (the ring's session id, the presence job's user id). */
  subject: string | null;
  /** Stored time the job is due; null for a job that only holds state (a ring without timeouts). */
  due_at: string | null;
  /** JSON the job's handler reads. */
  payload: string;
  /** New on every write: a claim or a release only applies to the version it saw. */
  token: string;
  claimed_by: string | null;
  /** Stored time the claim runs out; a claimer that died lets another node take the job after it. */
  claimed_until: string | null;
}

export interface PushProvidersTable {
  name: string;
  position: number;
  /** apn | firebase | webpush */
  type: string;
  disabled: number;
  /** JSON: the provider's fields of the request (credentials included). */
  config: string;
  created_at: string;
  updated_at: string;
}

export interface PushDeliveriesTable {
  id: Generated<number>;
  outbox_id: number;
  event_type: string;
  call_cid: string;
  user_id: string;
  device_id: string;
  /** pending | in_flight (settled rows are deleted) */
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  call_types: CallTypesTable;
  calls: CallsTable;
  call_members: CallMembersTable;
  call_sessions: CallSessionsTable;
  session_participants: SessionParticipantsTable;
  devices: DevicesTable;
  outbox: OutboxTable;
  app_settings: AppSettingsTable;
  event_hooks: EventHooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  cluster_nodes: ClusterNodesTable;
  scheduled_jobs: ScheduledJobsTable;
  push_providers: PushProvidersTable;
  push_deliveries: PushDeliveriesTable;
}
