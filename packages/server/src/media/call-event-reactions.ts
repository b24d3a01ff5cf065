/**
 * What the SFU does when the coordinator decides something about a call it carries. The events are the ones every
 * client sees (docs/api.md "Events"), published after their transaction committed:
 * - `call.ended` / `call.deleted`: every media connection of the call closes (`call_ended`);
 * - `call.blocked_user` / `call.kicked_user`: that user's media connections close (`blocked` / `kicked`);
 * - `call.session_participant_left`: that participation's media connection closes (an HTTP leave, a presence
 *   timeout; for a leave the SFU reported itself this finds nothing left to close);
 * - `call.pinned` / `call.unpinned`: the call's pins go to every participant;
 * - `call.user_muted`: the named users' sources stop being forwarded, and everyone is told;
 * - `call.permissions_updated`: sources the user may no longer publish (`send-audio`, `send-video`, `screenshare`
 *   taken away with a role change) stop being forwarded, as if a moderator muted them, and stay so until the
 *   capability comes back (unmuting them is refused meanwhile).
 */
import type { CallEvent } from '@switchboard/protocol';
import {
  type LeaveReason,
  type PinInfo,
  SourceCapability,
  TRACK_SOURCES,
  type TrackSource,
} from '@switchboard/protocol/sfu';

export interface MediaRooms {
  /** A decision about this call is being applied: joins being admitted right now must be decided again. */
  changed(cid: string): void;
  closeCall(cid: string, reason: LeaveReason): void;
  closeUser(cid: string, userId: string, reason: LeaveReason): void;
  closeParticipation(cid: string, userSessionId: string, reason: LeaveReason): void;
  setPins(cid: string, pins: PinInfo[]): void;
  mute(cid: string, userIds: readonly string[], sources: readonly TrackSource[], byUserId: string): void;
  /** The user may now publish only `allowed`: their other published sources stop being forwarded. */
  restrict(cid: string, userId: string, allowed: readonly TrackSource[]): void;
}

export function reactToCallEvent(rooms: MediaRooms, event: CallEvent): void {
  const cid = event.call_cid;
  switch (event.type) {
    case 'call.ended':
    case 'call.deleted':
      rooms.changed(cid);
      rooms.closeCall(cid, 'call_ended');
      return;
    case 'call.blocked_user':
      rooms.changed(cid);
      rooms.closeUser(cid, event.user.id, 'blocked');
      return;
    case 'call.kicked_user':
      rooms.changed(cid);
      rooms.closeUser(cid, event.user.id, 'kicked');
      return;
    case 'call.user_muted':
      rooms.mute(cid, event.muted_user_ids, event.muted_tracks, event.from_user_id);
      return;
    case 'call.permissions_updated': {
      const held = event.own_capabilities;
      rooms.restrict(
        cid,
        event.user.id,
        TRACK_SOURCES.filter((source) => held.includes(SourceCapability[source])),
      );
      return;
    }
    case 'call.session_participant_left':
      rooms.changed(cid);
      rooms.closeParticipation(cid, event.participant.user_session_id, 'left');
      return;
    case 'call.pinned':
    case 'call.unpinned':
      rooms.setPins(cid, event.call.session?.pins ?? []);
      return;
    default:
      return;
  }
}
