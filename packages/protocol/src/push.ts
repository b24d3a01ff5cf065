/**
 * Push notifications: devices (the hosted service's public shape), the app's push providers, and the operators'
 * test push (a Switchboard extension).
 */
import { type Static, Type } from 'typebox';
import { UserIdString } from './requests.js';

export const PUSH_PROVIDER_TYPES = ['apn', 'firebase', 'webpush'] as const;
export type PushProviderType = (typeof PUSH_PROVIDER_TYPES)[number];

/** Devices one user may have; registering one more removes that user's oldest. */
export const MAX_DEVICES_PER_USER = 25;
export const MAX_PUSH_PROVIDERS = 20;
/** A push token (APNs hex, FCM registration token) or a Web Push subscription's JSON. */
export const MAX_DEVICE_ID_LENGTH = 4096;
/** What `GET /app` shows instead of a stored secret; sending it back keeps the stored one. */
export const MASKED_SECRET = '********';

/** The event types that can trigger a push, and their key in a call type's `notification_settings`. */
export const PUSH_EVENT_SETTINGS = {
  'call.ring': 'call_ring',
  'call.notification': 'call_notification',
  'call.missed': 'call_missed',
  'call.live_started': 'call_live_started',
  'call.session_started': 'session_started',
} as const;
export type PushEventType = keyof typeof PUSH_EVENT_SETTINGS;

const ProviderName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_.-]+$' });

export const CreateDeviceRequest = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_DEVICE_ID_LENGTH }),
  // Any string, checked by the service so an unknown provider gets a message naming the known ones.
  push_provider: Type.String({ maxLength: 64 }),
  push_provider_name: Type.Optional(ProviderName),
  /** Server tokens name the device's user; a user token registers its own devices. */
  user_id: Type.Optional(UserIdString),
  /** An iOS PushKit (VoIP) token: rings reach it as VoIP pushes. */
  voip_token: Type.Optional(Type.Boolean()),
});
export type CreateDeviceRequest = Static<typeof CreateDeviceRequest>;

export const ListDevicesQuery = Type.Object({ user_id: Type.Optional(UserIdString) });
export type ListDevicesQuery = Static<typeof ListDevicesQuery>;

export const DeleteDeviceQuery = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_DEVICE_ID_LENGTH }),
  user_id: Type.Optional(UserIdString),
});
export type DeleteDeviceQuery = Static<typeof DeleteDeviceQuery>;

export interface Device {
  id: string;
  user_id: string;
  push_provider: PushProviderType;
  push_provider_name?: string;
  voip_token: boolean;
  created_at: string;
}

export interface ListDevicesResponse {
  devices: Device[];
  duration: string;
}

/**
 * One provider's settings, flat (the hosted service's field names). Per type: `apn` needs `apn_auth_key` (.p8 PEM),
 * `apn_key_id`, `apn_team_id`, `apn_topic` (bundle id); `firebase` needs `firebase_credentials` (the service
 * account JSON); `webpush` needs the VAPID key pair and a `webpush_subject` (mailto: or https: URL).
 */
export const PushProviderRequest = Type.Object(
  {
    type: Type.String({ maxLength: 32 }),
    name: ProviderName,
    disabled: Type.Optional(Type.Boolean()),
    apn_auth_key: Type.Optional(Type.String({ maxLength: 4096 })),
    apn_key_id: Type.Optional(Type.String({ maxLength: 64 })),
    apn_team_id: Type.Optional(Type.String({ maxLength: 64 })),
    apn_topic: Type.Optional(Type.String({ maxLength: 255 })),
    apn_development: Type.Optional(Type.Boolean()),
    /** Overrides the APNs host (`http://` = cleartext HTTP/2, for local test servers). */
    apn_endpoint: Type.Optional(Type.String({ maxLength: 2048 })),
    firebase_credentials: Type.Optional(Type.String({ maxLength: 16384 })),
    firebase_endpoint: Type.Optional(Type.String({ maxLength: 2048 })),
    webpush_vapid_public_key: Type.Optional(Type.String({ maxLength: 256 })),
    webpush_vapid_private_key: Type.Optional(Type.String({ maxLength: 256 })),
    webpush_subject: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);
export type PushProviderRequest = Static<typeof PushProviderRequest>;

/** A provider as `GET /app` shows it: secrets replaced by MASKED_SECRET. */
export type PushProvider = Omit<PushProviderRequest, 'type' | 'disabled'> & {
  type: PushProviderType;
  disabled: boolean;
  created_at: string;
  updated_at: string;
};

export const TestPushRequest = Type.Object({
  user_id: UserIdString,
  /** Which template to render (default `call.ring`). */
  event_type: Type.Optional(Type.String({ maxLength: 64 })),
  /** The call whose type's templates apply (default: a placeholder call of type `default`). */
  call_cid: Type.Optional(Type.String({ maxLength: 130 })),
});
export type TestPushRequest = Static<typeof TestPushRequest>;

export interface TestPushResult {
  device_id: string;
  push_provider: PushProviderType;
  push_provider_name: string;
  /** sent | failed | device_removed | skipped */
  outcome: string;
  status_code: number | null;
  error: string | null;
}

export interface TestPushResponse {
  results: TestPushResult[];
  duration: string;
}
