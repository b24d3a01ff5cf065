/**
 * The built-in call types (docs/api.md "Capabilities and call types"). They are seeded on first start and can then be edited
 * like any other type; the grants are our design.
 */
import {
  ALL_CAPABILITIES,
  OwnCapability as C,
  type CallSettingsRequest,
  type OwnCapability,
} from '@switchboard/protocol';

export interface CallTypeSeed {
  name: string;
  grants: Record<string, OwnCapability[]>;
  settings: CallSettingsRequest;
}

const everything = [...ALL_CAPABILITIES];
const media = [C.SEND_AUDIO, C.SEND_VIDEO, C.SCREENSHARE, C.CREATE_REACTION];

export const BUILTIN_CALL_TYPES: readonly CallTypeSeed[] = [
  {
    name: 'default',
    grants: {
      user: [C.CREATE_CALL, C.READ_CALL, C.JOIN_CALL, ...media, C.SEND_EVENT],
      call_member: [C.READ_CALL, C.JOIN_CALL, ...media, C.SEND_EVENT, C.UPDATE_CALL],
      admin: everything,
      host: everything,
    },
    settings: {
      video: { enabled: true, camera_default_on: true },
      backstage: { enabled: false },
      ring: { auto_cancel_timeout_ms: 15_000, incoming_call_timeout_ms: 15_000 },
    },
  },
  {
    name: 'audio_room',
    grants: {
      user: [C.READ_CALL, C.JOIN_CALL, C.CREATE_REACTION, C.SEND_EVENT],
      call_member: [C.READ_CALL, C.JOIN_CALL, C.CREATE_REACTION, C.SEND_EVENT],
      speaker: [C.READ_CALL, C.JOIN_CALL, C.CREATE_REACTION, C.SEND_EVENT, C.SEND_AUDIO],
      admin: everything,
      host: everything,
    },
    settings: {
      backstage: { enabled: true },
      video: { enabled: false, camera_default_on: false },
      audio: { mic_default_on: false, default_device: 'speaker' },
    },
  },
  {
    name: 'livestream',
    grants: {
      user: [C.READ_CALL, C.JOIN_CALL, C.SEND_EVENT],
      anonymous: [C.READ_CALL, C.JOIN_CALL],
      call_member: [C.READ_CALL, C.JOIN_CALL, C.SEND_EVENT],
      admin: everything,
      host: everything,
    },
    settings: { backstage: { enabled: true }, video: { enabled: true } },
  },
  {
    name: 'development',
    grants: Object.fromEntries(
      ['user', 'anonymous', 'call_member', 'admin', 'host', 'speaker', 'moderator'].map((r) => [r, everything]),
    ),
    settings: {},
  },
];
