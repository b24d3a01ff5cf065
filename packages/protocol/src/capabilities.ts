/** Every capability a role can be granted on a call type (docs/api.md "Capabilities and call types"). */
export const OwnCapability = {
  BLOCK_USERS: 'block-users',
  CHANGE_MAX_DURATION: 'change-max-duration',
  CREATE_CALL: 'create-call',
  CREATE_REACTION: 'create-reaction',
  ENABLE_NOISE_CANCELLATION: 'enable-noise-cancellation',
  END_CALL: 'end-call',
  JOIN_BACKSTAGE: 'join-backstage',
  JOIN_CALL: 'join-call',
  JOIN_ENDED_CALL: 'join-ended-call',
  KICK_USER: 'kick-user',
  MUTE_USERS: 'mute-users',
  PIN_FOR_EVERYONE: 'pin-for-everyone',
  READ_CALL: 'read-call',
  REMOVE_CALL_MEMBER: 'remove-call-member',
  SCREENSHARE: 'screenshare',
  SEND_AUDIO: 'send-audio',
  SEND_VIDEO: 'send-video',
  START_BROADCAST_CALL: 'start-broadcast-call',
  STOP_BROADCAST_CALL: 'stop-broadcast-call',
  START_RECORD_CALL: 'start-record-call',
  STOP_RECORD_CALL: 'stop-record-call',
  START_TRANSCRIPTION_CALL: 'start-transcription-call',
  STOP_TRANSCRIPTION_CALL: 'stop-transcription-call',
  START_CLOSED_CAPTIONS_CALL: 'start-closed-captions-call',
  STOP_CLOSED_CAPTIONS_CALL: 'stop-closed-captions-call',
  UPDATE_CALL: 'update-call',
  UPDATE_CALL_MEMBER: 'update-call-member',
  UPDATE_CALL_PERMISSIONS: 'update-call-permissions',
  UPDATE_CALL_SETTINGS: 'update-call-settings',
  SEND_CLOSED_CAPTIONS_CALL: 'send-closed-captions-call',
  START_FRAME_RECORD_CALL: 'start-frame-record-call',
  STOP_FRAME_RECORD_CALL: 'stop-frame-record-call',
  START_INDIVIDUAL_RECORD_CALL: 'start-individual-record-call',
  STOP_INDIVIDUAL_RECORD_CALL: 'stop-individual-record-call',
  START_RAW_RECORD_CALL: 'start-raw-record-call',
  STOP_RAW_RECORD_CALL: 'stop-raw-record-call',
  /** Switchboard extension: send custom events. */
  SEND_EVENT: 'send-event',
} as const;
export type OwnCapability = (typeof OwnCapability)[keyof typeof OwnCapability];
export const ALL_CAPABILITIES: readonly OwnCapability[] = Object.values(OwnCapability);

export function isCapability(value: string): value is OwnCapability {
  return (ALL_CAPABILITIES as readonly string[]).includes(value);
}

/** Global (app-level) user roles. */
export const GlobalRole = { USER: 'user', ADMIN: 'admin', ANONYMOUS: 'anonymous' } as const;
export type GlobalRole = (typeof GlobalRole)[keyof typeof GlobalRole];

/** The grants key that applies to every member of a call, whatever its explicit role. */
export const CALL_MEMBER_ROLE = 'call_member';
