/**
 * Call settings (docs/api.md "Call settings"). The response shape is complete; the request shape (used for call type
 * settings and a call's `settings_override`) has every field optional and is deep-merged over the stored one.
 * Enum and range checks live here so that HTTP validation, the OpenAPI document and TS types agree.
 */
import { type Static, Type } from 'typebox';

const Resolution = Type.Object({
  width: Type.Integer({ minimum: 1, maximum: 7680 }),
  height: Type.Integer({ minimum: 1, maximum: 4320 }),
  bitrate: Type.Optional(Type.Integer({ minimum: 0 })),
});

const AudioSettings = Type.Object({
  access_request_enabled: Type.Boolean(),
  mic_default_on: Type.Boolean(),
  speaker_default_on: Type.Boolean(),
  default_device: Type.Enum(['speaker', 'earpiece']),
  opus_dtx_enabled: Type.Boolean(),
  redundant_coding_enabled: Type.Boolean(),
  hifi_audio_enabled: Type.Boolean(),
});
const VideoSettings = Type.Object({
  enabled: Type.Boolean(),
  access_request_enabled: Type.Boolean(),
  camera_default_on: Type.Boolean(),
  camera_facing: Type.Enum(['front', 'back', 'external']),
  target_resolution: Resolution,
});
const ScreensharingSettings = Type.Object({
  enabled: Type.Boolean(),
  access_request_enabled: Type.Boolean(),
  target_resolution: Type.Optional(Resolution),
});
const BackstageSettings = Type.Object({
  enabled: Type.Boolean(),
  join_ahead_time_seconds: Type.Optional(Type.Integer({ minimum: 0 })),
});
const RingSettings = Type.Object({
  auto_cancel_timeout_ms: Type.Integer({ minimum: 0, maximum: 180_000 }),
  incoming_call_timeout_ms: Type.Integer({ minimum: 0, maximum: 180_000 }),
  missed_call_timeout_ms: Type.Integer({ minimum: 0, maximum: 180_000 }),
});
const LimitsSettings = Type.Object({
  max_participants: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  max_duration_seconds: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  max_participants_exclude_roles: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }),
  max_participants_exclude_owner: Type.Optional(Type.Boolean()),
});
const SessionSettings = Type.Object({
  inactivity_timeout_seconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
});
const RecordingSettings = Type.Object({
  mode: Type.Enum(['available', 'disabled', 'auto-on']),
  audio_only: Type.Boolean(),
  quality: Type.Enum(['360p', '480p', '720p', '1080p', '1440p']),
});
const TranscriptionSettings = Type.Object({
  mode: Type.Enum(['available', 'disabled', 'auto-on']),
  closed_caption_mode: Type.Enum(['available', 'disabled', 'auto-on']),
  language: Type.String({ minLength: 2, maxLength: 16 }),
});
const BroadcastingSettings = Type.Object({
  enabled: Type.Boolean(),
  hls: Type.Object({
    enabled: Type.Boolean(),
    auto_on: Type.Boolean(),
    quality_tracks: Type.Array(Type.String({ maxLength: 16 }), { maxItems: 10 }),
  }),
  rtmp: Type.Object({
    enabled: Type.Boolean(),
    quality: Type.String({ maxLength: 16 }),
  }),
});
const GeofencingSettings = Type.Object({ names: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }) });
const ThumbnailsSettings = Type.Object({ enabled: Type.Boolean() });

export const CallSettings = Type.Object({
  audio: AudioSettings,
  video: VideoSettings,
  screensharing: ScreensharingSettings,
  backstage: BackstageSettings,
  ring: RingSettings,
  limits: LimitsSettings,
  session: SessionSettings,
  recording: RecordingSettings,
  transcription: TranscriptionSettings,
  broadcasting: BroadcastingSettings,
  geofencing: GeofencingSettings,
  thumbnails: ThumbnailsSettings,
});
export type CallSettings = Static<typeof CallSettings>;

/**
 * Every field optional, recursively: what requests may send. Unlike request bodies at large, these objects are
 * closed (`additionalProperties: false`): a misspelt setting such as `mic_default_onn` would otherwise be stored and
 * silently have no effect, so it is refused with an input error naming the key.
 */
const closed = { additionalProperties: false } as const;
const PartialResolution = Type.Partial(Resolution, closed);
export const CallSettingsRequest = Type.Partial(
  Type.Object({
    audio: Type.Partial(AudioSettings, closed),
    video: Type.Partial(Type.Object({ ...VideoSettings.properties, target_resolution: PartialResolution }), closed),
    screensharing: Type.Partial(
      Type.Object({ ...ScreensharingSettings.properties, target_resolution: PartialResolution }),
      closed,
    ),
    backstage: Type.Partial(BackstageSettings, closed),
    ring: Type.Partial(RingSettings, closed),
    limits: Type.Partial(LimitsSettings, closed),
    session: Type.Partial(SessionSettings, closed),
    recording: Type.Partial(RecordingSettings, closed),
    transcription: Type.Partial(TranscriptionSettings, closed),
    broadcasting: Type.Partial(
      Type.Object({
        enabled: Type.Boolean(),
        hls: Type.Partial(BroadcastingSettings.properties.hls, closed),
        rtmp: Type.Partial(BroadcastingSettings.properties.rtmp, closed),
      }),
      closed,
    ),
    geofencing: Type.Partial(GeofencingSettings, closed),
    thumbnails: Type.Partial(ThumbnailsSettings, closed),
  }),
  closed,
);
export type CallSettingsRequest = Static<typeof CallSettingsRequest>;

const EventNotification = Type.Object({
  enabled: Type.Boolean(),
  apns: Type.Object({ title: Type.String({ maxLength: 256 }), body: Type.String({ maxLength: 1024 }) }),
  fcm: Type.Object({ data: Type.Record(Type.String(), Type.Unknown()) }),
});
export const NotificationSettings = Type.Object({
  enabled: Type.Boolean(),
  call_ring: EventNotification,
  call_notification: EventNotification,
  session_started: EventNotification,
  call_live_started: EventNotification,
  call_missed: EventNotification,
});
export type NotificationSettings = Static<typeof NotificationSettings>;

const PartialEventNotification = Type.Partial(
  Type.Object({
    enabled: Type.Boolean(),
    apns: Type.Partial(EventNotification.properties.apns, closed),
    fcm: Type.Partial(EventNotification.properties.fcm, closed),
  }),
  closed,
);
/** Closed like the call settings: a misspelt event or template key is refused, not stored and ignored. */
export const NotificationSettingsRequest = Type.Partial(
  Type.Object({
    enabled: Type.Boolean(),
    call_ring: PartialEventNotification,
    call_notification: PartialEventNotification,
    session_started: PartialEventNotification,
    call_live_started: PartialEventNotification,
    call_missed: PartialEventNotification,
  }),
  closed,
);
export type NotificationSettingsRequest = Static<typeof NotificationSettingsRequest>;
