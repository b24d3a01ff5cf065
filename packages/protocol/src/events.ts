/**
 * Event types and their constructors (docs/api.md "Events"). Services build events only through these constructors, so
 * every event carries `type`, `created_at` and, for call events, `call_cid` and the full `call`.
 */
import type { Call, CallParticipant, Custom, Member, User } from './models.js';

export const EventType = {
  CallCreated: 'call.created',
  CallUpdated: 'call.updated',
  CallEnded: 'call.ended',
  CallDeleted: 'call.deleted',
  CallRing: 'call.ring',
  CallNotification: 'call.notification',
  CallAccepted: 'call.accepted',
  CallRejected: 'call.rejected',
  CallMissed: 'call.missed',
  CallMemberAdded: 'call.member_added',
  CallMemberUpdated: 'call.member_updated',
  CallMemberUpdatedPermission: 'call.member_updated_permission',
  CallMemberRemoved: 'call.member_removed',
  CallPermissionsUpdated: 'call.permissions_updated',
  CallSessionStarted: 'call.session_started',
  CallSessionEnded: 'call.session_ended',
  CallSessionParticipantJoined: 'call.session_participant_joined',
  CallSessionParticipantLeft: 'call.session_participant_left',
  CallSessionParticipantCountUpdated: 'call.session_participant_count_updated',
  CallLiveStarted: 'call.live_started',
  CallBlockedUser: 'call.blocked_user',
  CallUnblockedUser: 'call.unblocked_user',
  CallKickedUser: 'call.kicked_user',
  CallUserMuted: 'call.user_muted',
  CallPinned: 'call.pinned',
  CallUnpinned: 'call.unpinned',
  Custom: 'custom',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

interface CallEventBase<T extends EventType> {
  /**
   * Unique per event, stamped when the event's transaction commits (server services/context.ts) and kept on every
   * channel (WebSocket, webhooks), so receivers can deduplicate. Absent only on an event not yet committed.
   */
  id?: string;
  type: T;
  created_at: string;
  call_cid: string;
  call: Call;
}

export type CallCreatedEvent = CallEventBase<'call.created'> & { members: Member[] };
export type CallUpdatedEvent = CallEventBase<'call.updated'> & { capabilities_by_role: Record<string, string[]> };
export type CallEndedEvent = CallEventBase<'call.ended'> & { user?: User };
export type CallDeletedEvent = CallEventBase<'call.deleted'>;
export type CallMemberAddedEvent = CallEventBase<'call.member_added'> & { members: Member[] };
export type CallMemberUpdatedEvent = CallEventBase<'call.member_updated'> & { members: Member[] };
export type CallMemberUpdatedPermissionEvent = CallEventBase<'call.member_updated_permission'> & {
  members: Member[];
  capabilities_by_role: Record<string, string[]>;
};
/** `members` lists the removed user ids. */
export type CallMemberRemovedEvent = CallEventBase<'call.member_removed'> & { members: string[] };
export type CallPermissionsUpdatedEvent = CallEventBase<'call.permissions_updated'> & {
  user: User;
  own_capabilities: string[];
};
export type CallSessionStartedEvent = CallEventBase<'call.session_started'> & { session_id: string };
export type CallSessionEndedEvent = CallEventBase<'call.session_ended'> & { session_id: string };
export type CallSessionParticipantJoinedEvent = CallEventBase<'call.session_participant_joined'> & {
  session_id: string;
  participant: CallParticipant;
};
export type CallSessionParticipantLeftEvent = CallEventBase<'call.session_participant_left'> & {
  session_id: string;
  participant: CallParticipant;
};
export type CallRingEvent = CallEventBase<'call.ring'> & {
  session_id: string;
  members: Member[];
  user: User;
  video: boolean;
};
export type CallNotificationEvent = CallEventBase<'call.notification'> & {
  session_id: string;
  members: Member[];
  user: User;
};
export type CallAcceptedEvent = CallEventBase<'call.accepted'> & { user: User };
export type CallRejectedEvent = CallEventBase<'call.rejected'> & { user: User; reason?: string };
export type CallMissedEvent = CallEventBase<'call.missed'> & {
  session_id: string;
  members: Member[];
  user: User;
  notify_user: boolean;
};
/** `user` (Switchboard extension): who took the call live; the push goes to the other members only. */
export type CallLiveStartedEvent = CallEventBase<'call.live_started'> & { user?: User };
export type CallBlockedUserEvent = CallEventBase<'call.blocked_user'> & { user: User; blocked_by_user?: User };
export type CallUnblockedUserEvent = CallEventBase<'call.unblocked_user'> & { user: User };
export type CallKickedUserEvent = CallEventBase<'call.kicked_user'> & { user: User; kicked_by_user?: User };
/** The sources a moderator muted (Switchboard extension `muted_tracks`: which of them). */
export type MutedTrack = 'audio' | 'video' | 'screenshare' | 'screenshare_audio';
export type CallUserMutedEvent = CallEventBase<'call.user_muted'> & {
  from_user_id: string;
  muted_user_ids: string[];
  reason: string;
  muted_tracks: MutedTrack[];
};
export type CallPinnedEvent = CallEventBase<'call.pinned'> & { session_id: string; user_id: string };
export type CallUnpinnedEvent = CallEventBase<'call.unpinned'> & { session_id: string; user_id: string };
export type CustomEvent = CallEventBase<'custom'> & { custom: Custom; user: User };

export type CallEvent =
  | CallCreatedEvent
  | CallUpdatedEvent
  | CallEndedEvent
  | CallDeletedEvent
  | CallMemberAddedEvent
  | CallMemberUpdatedEvent
  | CallMemberUpdatedPermissionEvent
  | CallMemberRemovedEvent
  | CallPermissionsUpdatedEvent
  | CallSessionStartedEvent
  | CallSessionEndedEvent
  | CallSessionParticipantJoinedEvent
  | CallSessionParticipantLeftEvent
  | CallRingEvent
  | CallNotificationEvent
  | CallAcceptedEvent
  | CallRejectedEvent
  | CallMissedEvent
  | CallLiveStartedEvent
  | CallBlockedUserEvent
  | CallUnblockedUserEvent
  | CallKickedUserEvent
  | CallUserMutedEvent
  | CallPinnedEvent
  | CallUnpinnedEvent
  | CustomEvent;

function base<T extends EventType>(type: T, call: Call, now: string): CallEventBase<T> {
  return { type, created_at: now, call_cid: call.cid, call };
}

/** One constructor per event type. `now` is passed in so constructors stay pure. */
export const CallEvents = {
  created: (call: Call, members: Member[], now: string): CallCreatedEvent => ({
    ...base(EventType.CallCreated, call, now),
    members,
  }),
  updated: (call: Call, capabilitiesByRole: Record<string, string[]>, now: string): CallUpdatedEvent => ({
    ...base(EventType.CallUpdated, call, now),
    capabilities_by_role: capabilitiesByRole,
  }),
  ended: (call: Call, now: string, user?: User): CallEndedEvent => ({
    ...base(EventType.CallEnded, call, now),
    ...(user ? { user } : {}),
  }),
  deleted: (call: Call, now: string): CallDeletedEvent => base(EventType.CallDeleted, call, now),
  memberAdded: (call: Call, members: Member[], now: string): CallMemberAddedEvent => ({
    ...base(EventType.CallMemberAdded, call, now),
    members,
  }),
  memberUpdated: (call: Call, members: Member[], now: string): CallMemberUpdatedEvent => ({
    ...base(EventType.CallMemberUpdated, call, now),
    members,
  }),
  memberUpdatedPermission: (
    call: Call,
    members: Member[],
    capabilitiesByRole: Record<string, string[]>,
    now: string,
  ): CallMemberUpdatedPermissionEvent => ({
    ...base(EventType.CallMemberUpdatedPermission, call, now),
    members,
    capabilities_by_role: capabilitiesByRole,
  }),
  memberRemoved: (call: Call, userIds: string[], now: string): CallMemberRemovedEvent => ({
    ...base(EventType.CallMemberRemoved, call, now),
    members: userIds,
  }),
  permissionsUpdated: (
    call: Call,
    user: User,
    ownCapabilities: string[],
    now: string,
  ): CallPermissionsUpdatedEvent => ({
    ...base(EventType.CallPermissionsUpdated, call, now),
    user,
    own_capabilities: ownCapabilities,
  }),
  sessionStarted: (call: Call, sessionId: string, now: string): CallSessionStartedEvent => ({
    ...base(EventType.CallSessionStarted, call, now),
    session_id: sessionId,
  }),
  sessionEnded: (call: Call, sessionId: string, now: string): CallSessionEndedEvent => ({
    ...base(EventType.CallSessionEnded, call, now),
    session_id: sessionId,
  }),
  participantJoined: (
    call: Call,
    sessionId: string,
    participant: CallParticipant,
    now: string,
  ): CallSessionParticipantJoinedEvent => ({
    ...base(EventType.CallSessionParticipantJoined, call, now),
    session_id: sessionId,
    participant,
  }),
  participantLeft: (
    call: Call,
    sessionId: string,
    participant: CallParticipant,
    now: string,
  ): CallSessionParticipantLeftEvent => ({
    ...base(EventType.CallSessionParticipantLeft, call, now),
    session_id: sessionId,
    participant,
  }),
  ring: (
    call: Call,
    sessionId: string,
    members: Member[],
    caller: User,
    video: boolean,
    now: string,
  ): CallRingEvent => ({
    ...base(EventType.CallRing, call, now),
    session_id: sessionId,
    members,
    user: caller,
    video,
  }),
  notification: (
    call: Call,
    sessionId: string,
    members: Member[],
    caller: User,
    now: string,
  ): CallNotificationEvent => ({
    ...base(EventType.CallNotification, call, now),
    session_id: sessionId,
    members,
    user: caller,
  }),
  accepted: (call: Call, user: User, now: string): CallAcceptedEvent => ({
    ...base(EventType.CallAccepted, call, now),
    user,
  }),
  rejected: (call: Call, user: User, now: string, reason?: string): CallRejectedEvent => ({
    ...base(EventType.CallRejected, call, now),
    user,
    ...(reason !== undefined ? { reason } : {}),
  }),
  missed: (call: Call, sessionId: string, members: Member[], caller: User, now: string): CallMissedEvent => ({
    ...base(EventType.CallMissed, call, now),
    session_id: sessionId,
    members,
    user: caller,
    notify_user: true,
  }),
  liveStarted: (call: Call, now: string, user?: User): CallLiveStartedEvent => ({
    ...base(EventType.CallLiveStarted, call, now),
    ...(user ? { user } : {}),
  }),
  blockedUser: (call: Call, user: User, now: string, by?: User): CallBlockedUserEvent => ({
    ...base(EventType.CallBlockedUser, call, now),
    user,
    ...(by ? { blocked_by_user: by } : {}),
  }),
  unblockedUser: (call: Call, user: User, now: string): CallUnblockedUserEvent => ({
    ...base(EventType.CallUnblockedUser, call, now),
    user,
  }),
  kickedUser: (call: Call, user: User, now: string, by?: User): CallKickedUserEvent => ({
    ...base(EventType.CallKickedUser, call, now),
    user,
    ...(by ? { kicked_by_user: by } : {}),
  }),
  userMuted: (
    call: Call,
    fromUserId: string,
    mutedUserIds: string[],
    mutedTracks: MutedTrack[],
    now: string,
  ): CallUserMutedEvent => ({
    ...base(EventType.CallUserMuted, call, now),
    from_user_id: fromUserId,
    muted_user_ids: mutedUserIds,
    reason: 'muted by moderator',
    muted_tracks: mutedTracks,
  }),
  pinned: (call: Call, sessionId: string, userId: string, now: string): CallPinnedEvent => ({
    ...base(EventType.CallPinned, call, now),
    session_id: sessionId,
    user_id: userId,
  }),
  unpinned: (call: Call, sessionId: string, userId: string, now: string): CallUnpinnedEvent => ({
    ...base(EventType.CallUnpinned, call, now),
    session_id: sessionId,
    user_id: userId,
  }),
  custom: (call: Call, custom: Custom, user: User, now: string): CustomEvent => ({
    ...base(EventType.Custom, call, now),
    custom,
    user,
  }),
} as const;
