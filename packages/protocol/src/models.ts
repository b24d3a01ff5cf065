/** Response models (docs/api.md "Models"). Timestamps are RFC 3339 UTC strings with milliseconds. */
import { type Static, Type } from 'typebox';
import { ALL_CAPABILITIES } from './capabilities.js';
import { CallSettings, NotificationSettings } from './settings.js';

export const Custom = Type.Record(Type.String(), Type.Unknown());
export type Custom = Static<typeof Custom>;

export const User = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  image: Type.Optional(Type.String()),
  role: Type.String(),
  custom: Custom,
  teams: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  online: Type.Boolean(),
  deleted_at: Type.Optional(Type.String()),
});
export type User = Static<typeof User>;

export const Member = Type.Object({
  user_id: Type.String(),
  user: User,
  role: Type.Optional(Type.String()),
  custom: Custom,
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Type.Optional(Type.String()),
});
export type Member = Static<typeof Member>;

export const CallParticipant = Type.Object({
  user: User,
  user_session_id: Type.String(),
  role: Type.String(),
  joined_at: Type.String(),
});
export type CallParticipant = Static<typeof CallParticipant>;

const TimesByUser = Type.Record(Type.String(), Type.String());
export const CallSession = Type.Object({
  id: Type.String(),
  started_at: Type.Optional(Type.String()),
  ended_at: Type.Optional(Type.String()),
  participants: Type.Array(CallParticipant),
  participants_count_by_role: Type.Record(Type.String(), Type.Integer()),
  accepted_by: TimesByUser,
  rejected_by: TimesByUser,
  missed_by: TimesByUser,
  anonymous_participant_count: Type.Integer(),
  live_started_at: Type.Optional(Type.String()),
  live_ended_at: Type.Optional(Type.String()),
  pins: Type.Array(Type.Object({ session_id: Type.String(), user_id: Type.String(), pinned_at: Type.String() })),
});
export type CallSession = Static<typeof CallSession>;

export const Call = Type.Object({
  id: Type.String(),
  type: Type.String(),
  cid: Type.String(),
  created_by: User,
  custom: Custom,
  settings: CallSettings,
  backstage: Type.Boolean(),
  blocked_user_ids: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  ended_at: Type.Optional(Type.String()),
  starts_at: Type.Optional(Type.String()),
  team: Type.Optional(Type.String()),
  current_session_id: Type.String(),
  session: Type.Optional(CallSession),
  recording: Type.Boolean(),
  transcribing: Type.Boolean(),
  captioning: Type.Boolean(),
  egress: Type.Object({
    broadcasting: Type.Boolean(),
    hls: Type.Optional(Type.Unknown()),
    rtmps: Type.Array(Type.Unknown()),
  }),
  ingress: Type.Object({ rtmp: Type.Object({ address: Type.String() }) }),
});
export type Call = Static<typeof Call>;

export const Grants = Type.Record(Type.String(), Type.Array(Type.Enum([...ALL_CAPABILITIES])));
export type Grants = Static<typeof Grants>;

export const CallType = Type.Object({
  name: Type.String(),
  grants: Grants,
  settings: CallSettings,
  notification_settings: NotificationSettings,
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type CallType = Static<typeof CallType>;
