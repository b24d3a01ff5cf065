/**
 * The SFU signaling protocol (docs/sfu-protocol.md): JSON text frames over the WebSocket named by JoinCall's
 * `credentials.server.ws_endpoint`. Plain types and `as const` maps only, so a browser bundle that imports this entry
 * (`@switchboard/protocol/sfu`) loads no schema library.
 *
 * Shape: every message carries `v` (the protocol version) and `type`. Two peer connections per participant:
 * `publisher` (client offers, server answers; carries what the client sends) and `subscriber` (server offers,
 * client answers; carries everyone else's tracks, renegotiated by the server as tracks come and go).
 */

/** Protocol version; a message with another `v` is refused with `unsupported_version`. */
export const SFU_PROTOCOL_VERSION = 1;

/** Which of the participant's two peer connections a message is about. */
export type PeerRole = 'publisher' | 'subscriber';

/** What a published track carries; each source needs its own capability to publish (see `SourceCapability`). */
export const TrackSource = {
  Audio: 'audio',
  Video: 'video',
  Screenshare: 'screenshare',
  ScreenshareAudio: 'screenshare_audio',
} as const;
export type TrackSource = (typeof TrackSource)[keyof typeof TrackSource];
export const TRACK_SOURCES: readonly TrackSource[] = Object.values(TrackSource);

/** The call capability a participant needs to publish each source. */
export const SourceCapability: Record<TrackSource, string> = {
  audio: 'send-audio',
  video: 'send-video',
  screenshare: 'screenshare',
  screenshare_audio: 'screenshare',
};

/** The media kind each source's track has (an `audio` source must be sent on an audio m-line, and so on). */
export const SourceKind: Record<TrackSource, 'audio' | 'video'> = {
  audio: 'audio',
  video: 'video',
  screenshare: 'video',
  screenshare_audio: 'audio',
};

/** Error codes of `error` messages. Stable strings: clients branch on them. */
export const SfuErrorCode = {
  /** Not JSON, not an object, unknown `type`, or a field of the wrong shape / over its limit. */
  InvalidMessage: 'invalid_message',
  UnsupportedVersion: 'unsupported_version',
  /** A message other than `join` before the join succeeded. */
  NotJoined: 'not_joined',
  AlreadyJoined: 'already_joined',
  /** The join token is malformed, signed with another key, or not meant for the SFU. */
  TokenInvalid: 'token_invalid',
  TokenExpired: 'token_expired',
  /** The coordinator refused the media join (blocked, missing `join-call`, call full, …); `message` says why. */
  JoinRefused: 'join_refused',
  /** The call ended and the user lacks `join-ended-call`. */
  CallEnded: 'call_ended',
  /** The participation named by the token already left the session: call JoinCall again for a fresh token. */
  ParticipationEnded: 'participation_ended',
  /** Publishing a source without its capability (`send-audio`, `send-video`, `screenshare`): the offer is refused. */
  PublishNotAllowed: 'publish_not_allowed',
  /** An offer or answer the SFU could not apply, or one that does not match its `tracks`. */
  SdpInvalid: 'sdp_invalid',
  /** Over a count limit (tracks per offer, participants per call). */
  LimitExceeded: 'limit_exceeded',
  /** Too many messages too fast. */
  RateLimited: 'rate_limited',
  Internal: 'internal',
} as const;
export type SfuErrorCode = (typeof SfuErrorCode)[keyof typeof SfuErrorCode];

/**
 * WebSocket close codes the SFU uses (4000 range; hocuspocus-style 4000 + meaning). After any of these except
 * `ServerShutdown` a client must not reconnect with the same token.
 */
export const SfuCloseCode = {
  /** The client sent `leave`, or the participation ended normally. */
  Left: 1000,
  /** Join refused or protocol violation; the preceding `error` message says why. */
  Refused: 4400,
  Kicked: 4401,
  Blocked: 4403,
  CallEnded: 4410,
  /** The same participation joined again over another socket. */
  Replaced: 4409,
  /** The SFU is shutting down: join the call again (JoinCall) to be placed on another one. */
  ServerShutdown: 4503,
} as const;
export type SfuCloseCode = (typeof SfuCloseCode)[keyof typeof SfuCloseCode];

/** Why a participant left, as `participant_left` and `closing` report it. */
export type LeaveReason = 'left' | 'disconnected' | 'kicked' | 'blocked' | 'call_ended' | 'replaced' | 'shutdown';

/** An ICE candidate as `RTCIceCandidateInit`; `null` in a message means "end of candidates". */
export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** A track the client publishes: the `mid` of its transceiver in the publisher offer and what it carries. */
export interface PublishedTrackDeclaration {
  mid: string;
  source: TrackSource;
  muted?: boolean;
}

/** A track as others see it. `track_id` is stable for the life of the publication. */
export interface TrackInfo {
  track_id: string;
  source: TrackSource;
  muted: boolean;
}

export interface ParticipantInfo {
  /** The participant's `user_session_id` (one per join), as in the call session's participants. */
  session_id: string;
  user_id: string;
  name?: string;
  image?: string;
  tracks: TrackInfo[];
}

export interface PinInfo {
  session_id: string;
  user_id: string;
  pinned_at: string;
}

/** One m-line of a subscriber offer: which participant's which track the transceiver with this `mid` carries. */
export interface SubscribedTrack {
  mid: string;
  session_id: string;
  user_id: string;
  track_id: string;
  source: TrackSource;
}

interface Base<T extends string> {
  v: typeof SFU_PROTOCOL_VERSION;
  type: T;
}

// ── client → server ────────────────────────────────────────────────────────────────────────────────────────────

/** First message: the participant token from JoinCall's `credentials.token`. */
export interface JoinMessage extends Base<'join'> {
  token: string;
}
/** Publisher offer. `tracks` lists every track the client publishes now; a track left out is unpublished. */
export interface OfferMessage extends Base<'offer'> {
  pc: 'publisher';
  sdp: string;
  tracks: PublishedTrackDeclaration[];
}
/** The answer to the server's latest subscriber `offer`. */
export interface AnswerMessage extends Base<'answer'> {
  pc: 'subscriber';
  sdp: string;
}
/** Trickle ICE in either direction. */
export interface IceMessage extends Base<'ice'> {
  pc: PeerRole;
  candidate: IceCandidate | null;
}
/** The client mutes or unmutes one of its own published sources (forwarding stops while muted). */
export interface MuteMessage extends Base<'mute'> {
  source: TrackSource;
  muted: boolean;
}
/** Preferred quality per received track. Accepted and ignored by this version (no simulcast yet). */
export interface QualityMessage extends Base<'quality'> {
  tracks: { track_id: string; width?: number; height?: number; paused?: boolean }[];
}
/** The client leaves; the server answers with `closing` and closes the socket. */
export interface LeaveMessage extends Base<'leave'> {}

export type SfuClientMessage =
  | JoinMessage
  | OfferMessage
  | AnswerMessage
  | IceMessage
  | MuteMessage
  | QualityMessage
  | LeaveMessage;
export type SfuClientMessageType = SfuClientMessage['type'];

// ── server → client ────────────────────────────────────────────────────────────────────────────────────────────

/** The join succeeded. `participants` excludes the joiner; `can_publish` lists the sources it may publish. */
export interface JoinedMessage extends Base<'joined'> {
  session_id: string;
  user_id: string;
  call_cid: string;
  participants: ParticipantInfo[];
  pins: PinInfo[];
  can_publish: TrackSource[];
}
/** The answer to the client's publisher offer. */
export interface ServerAnswerMessage extends Base<'answer'> {
  pc: 'publisher';
  sdp: string;
}
/** A (re)negotiation of the subscriber connection; `tracks` maps every live m-line to what it carries. */
export interface ServerOfferMessage extends Base<'offer'> {
  pc: 'subscriber';
  sdp: string;
  tracks: SubscribedTrack[];
}
export interface ParticipantJoinedMessage extends Base<'participant_joined'> {
  participant: ParticipantInfo;
}
export interface ParticipantLeftMessage extends Base<'participant_left'> {
  session_id: string;
  user_id: string;
  reason: LeaveReason;
}
export interface TrackPublishedMessage extends Base<'track_published'> {
  session_id: string;
  user_id: string;
  track: TrackInfo;
}
export interface TrackUnpublishedMessage extends Base<'track_unpublished'> {
  session_id: string;
  user_id: string;
  track_id: string;
  source: TrackSource;
}
/**
 * A track was muted or unmuted: by its publisher (`by_user_id` absent) or by a moderator with `mute-users`. Sent to
 * everyone, the publisher included, so a client muted by a moderator learns it here.
 */
export interface TrackMutedMessage extends Base<'track_muted'> {
  session_id: string;
  user_id: string;
  source: TrackSource;
  muted: boolean;
  by_user_id?: string;
}
/** The call's current pins, whole (sent at every change). */
export interface PinsMessage extends Base<'pins'> {
  pins: PinInfo[];
}
/** A refused request or a refused join. `fatal`: the server closes the socket right after. */
export interface ErrorMessage extends Base<'error'> {
  code: SfuErrorCode;
  message: string;
  fatal: boolean;
  /** The `type` of the client message that was refused, when there was one. */
  request_type?: string;
}
/** Sent just before the server closes the socket on purpose. */
export interface ClosingMessage extends Base<'closing'> {
  reason: LeaveReason;
}

export type SfuServerMessage =
  | JoinedMessage
  | ServerAnswerMessage
  | ServerOfferMessage
  | IceMessage
  | ParticipantJoinedMessage
  | ParticipantLeftMessage
  | TrackPublishedMessage
  | TrackUnpublishedMessage
  | TrackMutedMessage
  | PinsMessage
  | ErrorMessage
  | ClosingMessage;
export type SfuServerMessageType = SfuServerMessage['type'];
