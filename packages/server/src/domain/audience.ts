/**
 * Who a committed call event is for: one pure decision that the WebSocket router (realtime/event-router.ts) and
 * push delivery (delivery/push/) both take, so a phone and an open socket never disagree. No I/O: the caller
 * passes the call's member ids when `needsMembers(event)` says the answer depends on them.
 *
 * - `call.ring` / `call.notification`: the members the event lists (the callees), never the caller.
 * - `call.missed`: the members who missed the call, and the caller (so the ringing side learns the ring is over).
 * - `call.permissions_updated`: only the user it is about (it carries that user's `own_capabilities`).
 * - every other call event: connections watching the call, and every member (the actor included);
 *   `call.member_removed` also reaches the removed users, `call.member_added` the added ones.
 * - a user on the call's block list receives nothing more of the call but the `call.blocked_user` naming them.
 */
import { type CallEvent, EventType } from '@switchboard/protocol';

export interface Audience {
  /** Whether connections watching the call (not only its members) receive the event. */
  watchers: boolean;
  /** The users whose connections receive it (before the block list: see `mayReceive`). */
  users: Set<string>;
}

/** Whether `audienceOf` needs the call's current member ids for this event. */
export function needsMembers(event: CallEvent): boolean {
  switch (event.type) {
    case EventType.CallRing:
    case EventType.CallNotification:
    case EventType.CallMissed:
    case EventType.CallPermissionsUpdated:
      return false;
    default:
      return true;
  }
}

export function audienceOf(event: CallEvent, members: Iterable<string>): Audience {
  const users = new Set<string>();
  switch (event.type) {
    case EventType.CallRing:
    case EventType.CallNotification:
      for (const m of event.members) if (m.user_id !== event.user.id) users.add(m.user_id);
      return { watchers: false, users };
    case EventType.CallMissed:
      for (const m of event.members) users.add(m.user_id);
      users.add(event.user.id);
      return { watchers: false, users };
    case EventType.CallPermissionsUpdated:
      users.add(event.user.id);
      return { watchers: false, users };
  }
  for (const userId of members) users.add(userId);
  if (event.type === EventType.CallMemberRemoved) for (const userId of event.members) users.add(userId);
  if (event.type === EventType.CallMemberAdded) for (const m of event.members) users.add(m.user_id);
  return { watchers: true, users };
}

/** The block list's word on one recipient: a blocked user hears only of their own blocking. */
export function mayReceive(event: CallEvent, userId: string): boolean {
  if (event.call.blocked_user_ids.includes(userId)) {
    return event.type === EventType.CallBlockedUser && event.user.id === userId;
  }
  return true;
}

/**
 * Who gets a push for an event: its audience as users (watchers have no devices), minus the user who caused it
 * (the caller of a ring, notification or missed call), minus users already in the call's session (they are
 * looking at it), minus blocked users.
 */
export function pushAudience(event: CallEvent, members: Iterable<string>): string[] {
  const { users } = audienceOf(event, members);
  const actor = 'user' in event && event.type !== EventType.CallPermissionsUpdated ? event.user : undefined;
  if (actor) users.delete(actor.id);
  for (const p of event.call.session?.participants ?? []) users.delete(p.user.id);
  return [...users].filter((userId) => mayReceive(event, userId));
}
