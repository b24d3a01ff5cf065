/**
 * Turns one committed event and one device into the message a provider sends, from the call type's
 * `notification_settings` (enabled flags and templates). Answers undefined when nothing is to be sent: push off for
 * the type or the event, or a template that renders empty both ways.
 *
 * The payload carries `sender: "switchboard"`, the event `type`, `call_cid`, and what a ringing screen needs:
 * `call_type`, `call_id`, `created_by_id` / `created_by_display_name` (the caller), `video`, `session_id`.
 */
import {
  type CallEvent,
  type NotificationSettings,
  PUSH_EVENT_SETTINGS,
  type PushEventType,
  type User,
} from '@switchboard/protocol';
import { renderTemplate } from '../../domain/push-template.js';
import type { PushMessage } from './push-provider.js';

/** How long a non-ring push may wait at the service for an offline device. */
const STORE_FOR_S = 24 * 3600;

export function isPushEvent(type: string): type is PushEventType {
  return Object.hasOwn(PUSH_EVENT_SETTINGS, type);
}

/** Whether the type's settings send this event at all (checked when the event is relayed and again at send time). */
export function pushEnabled(settings: NotificationSettings | undefined, type: PushEventType): boolean {
  if (!settings || settings.enabled === false) return false;
  return settings[PUSH_EVENT_SETTINGS[type]]?.enabled === true;
}

export function pushMessage(
  event: CallEvent,
  settings: NotificationSettings,
  device: { token: string; voip: boolean },
  nowS: number,
): PushMessage | undefined {
  if (!isPushEvent(event.type) || !pushEnabled(settings, event.type)) return undefined;
  const ring = event.type === 'call.ring';
  // A PushKit token takes only VoIP pushes (iOS requires each to report a call), so only rings go to it.
  if (device.voip && !ring) return undefined;
  const template = settings[PUSH_EVENT_SETTINGS[event.type]];
  const user = 'user' in event ? (event.user as User) : event.call.created_by;
  const scope = { call: event.call, user };
  const title = renderTemplate(template.apns?.title ?? '', scope);
  const body = renderTemplate(template.apns?.body ?? '', scope);
  if (title === '' && body === '') return undefined;
  const data: Record<string, string> = {
    sender: 'switchboard',
    type: event.type,
    call_cid: event.call_cid,
    call_type: event.call.type,
    call_id: event.call.id,
    created_by_id: user.id,
    created_by_display_name: user.name || user.id,
    video: String('video' in event ? event.video === true : event.call.settings.video.enabled),
    ...('session_id' in event && typeof event.session_id === 'string' ? { session_id: event.session_id } : {}),
  };
  for (const [key, value] of Object.entries(template.fcm?.data ?? {})) {
    if (!(key in data)) data[key] = typeof value === 'string' ? renderTemplate(value, scope) : JSON.stringify(value);
  }
  return {
    token: device.token,
    kind: ring && device.voip ? 'voip' : 'alert',
    title,
    body,
    data,
    // A ring is now or never; the rest may wait a day for a phone that is off.
    expiresAt: ring ? 0 : nowS + STORE_FOR_S,
  };
}
