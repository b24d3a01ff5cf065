/**
 * Call settings rules: the complete defaults every call type starts from, and the deep merge that applies a
 * partial request (a call type update or a call's `settings_override`) over complete settings.
 */
import type { CallSettings, NotificationSettings } from '@switchboard/protocol';

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Returns `base` with `patch` merged in: objects merge key by key, recursively; arrays and scalars in `patch`
 * replace; `undefined` in `patch` leaves the base value. Neither input is mutated.
 */
export function deepMerge<T>(base: T, patch: Json): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  // Own properties only, in and out: settings keep keys the API does not model, and on a plain object a key
  // `__proto__` would be read as Object.prototype and written as the prototype instead of a value.
  const out = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = out.get(key);
    out.set(key, isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value);
  }
  return Object.fromEntries(out) as T;
}

export const DEFAULT_CALL_SETTINGS: CallSettings = {
  audio: {
    access_request_enabled: true,
    mic_default_on: true,
    speaker_default_on: true,
    default_device: 'speaker',
    opus_dtx_enabled: true,
    redundant_coding_enabled: true,
    hifi_audio_enabled: false,
  },
  video: {
    enabled: true,
    access_request_enabled: true,
    camera_default_on: true,
    camera_facing: 'front',
    target_resolution: { width: 1280, height: 720, bitrate: 1_500_000 },
  },
  screensharing: { enabled: true, access_request_enabled: true, target_resolution: { width: 1920, height: 1080 } },
  backstage: { enabled: false, join_ahead_time_seconds: 0 },
  ring: { auto_cancel_timeout_ms: 15_000, incoming_call_timeout_ms: 15_000, missed_call_timeout_ms: 15_000 },
  limits: { max_participants_exclude_roles: [], max_participants_exclude_owner: false },
  session: { inactivity_timeout_seconds: 30 },
  recording: { mode: 'available', audio_only: false, quality: '720p' },
  transcription: { mode: 'available', closed_caption_mode: 'available', language: 'auto' },
  broadcasting: {
    enabled: true,
    hls: { enabled: false, auto_on: false, quality_tracks: ['720p'] },
    rtmp: { enabled: false, quality: '720p' },
  },
  geofencing: { names: [] },
  thumbnails: { enabled: false },
};

const silent = (title: string, body: string) => ({ enabled: true, apns: { title, body }, fcm: { data: {} } });

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  enabled: true,
  call_ring: silent('{{ user.display_name }} is calling you', ''),
  call_notification: silent('{{ user.display_name }} invited you to a call', ''),
  session_started: { ...silent('Call started', ''), enabled: false },
  call_live_started: silent('{{ call.display_name }} is live', ''),
  call_missed: silent('Missed call from {{ user.display_name }}', ''),
};
