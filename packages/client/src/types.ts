/** What the browser client reports about a call: remote participants, their tracks, pins, and why it closed. */
import type { LeaveReason, PinInfo, TrackSource } from '@switchboard/protocol/sfu';

export interface RemoteParticipant {
  /** The participant's `user_session_id` (one per join): the id pins name. */
  readonly session_id: string;
  readonly user_id: string;
  readonly name?: string;
  readonly image?: string;
  /** Camera and microphone, ready for a `<video>` element's `srcObject`. */
  readonly stream: MediaStream;
  /** Screen share (video and its audio), when shared. */
  readonly screen: MediaStream;
  /** The published sources and whether each is muted. */
  readonly tracks: Map<TrackSource, { track_id: string; muted: boolean; track?: MediaStreamTrack }>;
}

export interface MediaCallEvents {
  /** Another participant's media connection came up (also once per participant already there at join). */
  'participant.joined': { participant: RemoteParticipant };
  'participant.left': { participant: RemoteParticipant; reason: LeaveReason };
  /** A remote track started arriving; `stream` is the participant's `stream` or `screen`. */
  'track.added': { participant: RemoteParticipant; source: TrackSource; track: MediaStreamTrack; stream: MediaStream };
  'track.removed': { participant: RemoteParticipant; source: TrackSource };
  /**
   * A track was muted or unmuted. `local` when it is one of ours; `by_user_id` when a moderator did it (then our own
   * track is muted here too: the SFU stopped forwarding it).
   */
  'track.muted': {
    session_id: string;
    user_id: string;
    source: TrackSource;
    muted: boolean;
    by_user_id?: string;
    local: boolean;
  };
  /** The call's pins, whole, at every change (and once at join). */
  'pins.changed': { pins: PinInfo[] };
  /** An error the SFU reported that no pending request was waiting for. */
  error: { code: string; message: string };
  /** The media connection closed: after `leave()`, a kick (code 4401), a block (4403), the call ending (4410), … */
  closed: { code: number; reason: string };
}
