/**
 * Rows → API models (docs/api.md "Models"). The only place that knows both the storage shape and the wire shape.
 */

import type { Call, CallParticipant, CallSession, CallType, Custom, Member, User } from '@switchboard/protocol';
import { isCapability } from '@switchboard/protocol';
import { parseStoredJson } from '../domain/json-depth.js';
import { deepMerge } from '../domain/settings.js';
import { parseJson } from '../store/json.js';
import type {
  CallMembersTable,
  CallSessionsTable,
  CallsTable,
  SessionParticipantsTable,
  UsersTable,
} from '../store/schema.js';
import type { CallTypeDefinition } from './call-type-cache.js';

export function userView(row: UsersTable, online = false): User {
  return {
    id: row.id,
    ...(row.name !== null ? { name: row.name } : {}),
    ...(row.image !== null ? { image: row.image } : {}),
    role: row.role,
    custom: parseStoredJson<Custom>(row.custom, {}),
    teams: parseJson<string[]>(row.teams, []),
    created_at: row.created_at,
    updated_at: row.updated_at,
    online,
    ...(row.deleted_at !== null ? { deleted_at: row.deleted_at } : {}),
  };
}

/** A placeholder for a user row that no longer exists (hard-deleted creator), so responses stay well-formed. */
export function missingUserView(id: string, at: string): User {
  return { id, role: 'user', custom: {}, teams: [], created_at: at, updated_at: at, online: false, deleted_at: at };
}

export function memberView(row: CallMembersTable, user: User): Member {
  return {
    user_id: row.user_id,
    user,
    role: row.role,
    custom: parseStoredJson<Custom>(row.custom, {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function participantView(row: SessionParticipantsTable, user: User): CallParticipant {
  return { user, user_session_id: row.user_session_id, role: row.role, joined_at: row.joined_at };
}

/**
 * `countByRole` counts every participant when `participants` is only the first few of them (events embed a
 * bounded list); without it, the list is taken as complete.
 */
export function sessionView(
  row: CallSessionsTable,
  participants: CallParticipant[],
  countByRole: Record<string, number> = countRoles(participants),
): CallSession {
  return {
    id: row.id,
    ...(row.started_at !== null ? { started_at: row.started_at } : {}),
    ...(row.ended_at !== null ? { ended_at: row.ended_at } : {}),
    participants,
    participants_count_by_role: countByRole,
    accepted_by: parseJson(row.accepted_by, {}),
    rejected_by: parseJson(row.rejected_by, {}),
    missed_by: parseJson(row.missed_by, {}),
    anonymous_participant_count: 0,
    ...(row.live_started_at !== null ? { live_started_at: row.live_started_at } : {}),
    ...(row.live_ended_at !== null ? { live_ended_at: row.live_ended_at } : {}),
    pins: parseJson(row.pins, []),
  };
}

function countRoles(participants: readonly CallParticipant[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const p of participants) counts.set(p.role, (counts.get(p.role) ?? 0) + 1);
  return Object.fromEntries(counts);
}

export function callView(row: CallsTable, type: CallTypeDefinition, createdBy: User, session?: CallSession): Call {
  return {
    id: row.id,
    type: row.type,
    cid: row.cid,
    created_by: createdBy,
    custom: parseStoredJson<Custom>(row.custom, {}),
    settings: deepMerge(type.settings, parseJson(row.settings_override, {})),
    backstage: row.backstage === 1,
    blocked_user_ids: parseJson<string[]>(row.blocked_user_ids, []),
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...(row.ended_at !== null ? { ended_at: row.ended_at } : {}),
    ...(row.starts_at !== null ? { starts_at: row.starts_at } : {}),
    ...(row.team !== null ? { team: row.team } : {}),
    current_session_id: row.current_session_id ?? '',
    ...(session ? { session } : {}),
    recording: false,
    transcribing: false,
    captioning: false,
    egress: { broadcasting: false, rtmps: [] },
    ingress: { rtmp: { address: '' } },
  };
}

export function callTypeView(type: CallTypeDefinition): CallType {
  return {
    name: type.name,
    grants: Object.fromEntries(Object.entries(type.grants).map(([role, caps]) => [role, caps.filter(isCapability)])),
    settings: type.settings,
    notification_settings: type.notification_settings,
    created_at: type.created_at,
    updated_at: type.updated_at,
  };
}
