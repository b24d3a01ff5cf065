/**
 * The operators' test push (`POST /api/v2/push/test`, server tokens): renders the call type's template for one
 * event type and sends it at once, outside the outbox, to every device of one user, answering per device what its
 * push service said. A dead token found this way is removed like in normal delivery. Without `call_cid` the
 * templates of type `default` render over a placeholder call created by the user.
 */
import {
  type CallEvent,
  type NotificationSettings,
  PUSH_EVENT_SETTINGS,
  type PushProviderType,
  type TestPushRequest,
  type TestPushResult,
  type User,
} from '@switchboard/protocol';
import type { Actor } from '../../domain/actor.js';
import { inputError, notFound } from '../../domain/errors.js';
import type { Store } from '../../store/store.js';
import { requireServer } from '../app-settings.js';
import { DeviceStore } from './device-store.js';
import { loadProviderRows, type ProviderPool } from './provider-pool.js';
import { isPushEvent, pushMessage } from './push-message.js';
import type { PushMetrics } from './push-metrics.js';
import { notificationSettingsOf } from './push-sink.js';

export async function testPush(
  store: Store,
  pool: ProviderPool,
  metrics: PushMetrics,
  now: Date,
  actor: Actor,
  req: TestPushRequest,
): Promise<TestPushResult[]> {
  requireServer(actor, 'sending a test push');
  const eventType = req.event_type ?? 'call.ring';
  if (!isPushEvent(eventType)) {
    throw inputError(`event_type must be one of ${Object.keys(PUSH_EVENT_SETTINGS).join(', ')}`, 'event_type');
  }
  const userRow = await store.read.db.selectFrom('users').selectAll().where('id', '=', req.user_id).executeTakeFirst();
  if (!userRow) throw notFound(`user ${req.user_id} does not exist`);
  const user = { id: userRow.id, name: userRow.name ?? undefined, role: userRow.role } as unknown as User;
  const event = await sampleEvent(store, eventType, req.call_cid, user, now.toISOString());
  const settings = await notificationSettingsOf(store.read, event.call.type);
  pool.update(await loadProviderRows(store.read.db));
  const devices = await new DeviceStore(store.read.db, store.dialect).ofUser(req.user_id);
  return Promise.all(
    devices.map(async (device): Promise<TestPushResult> => {
      const base = {
        device_id: device.id,
        push_provider: device.push_provider as PushProviderType,
        push_provider_name: device.push_provider_name ?? '',
      };
      const provider = pool.providerFor(base.push_provider, device.push_provider_name);
      if (!provider) return { ...base, outcome: 'skipped', status_code: null, error: 'no enabled provider for it' };
      const message = pushMessage(
        event,
        forceEnabled(settings, eventType),
        { token: device.id, voip: device.voip_token === 1 },
        Math.floor(now.getTime() / 1000),
      );
      if (!message) return { ...base, outcome: 'skipped', status_code: null, error: 'the template renders empty' };
      const result = await provider.send(message);
      const named = { ...base, push_provider_name: provider.name };
      if (result.outcome === 'unregistered') {
        await store.read.db
          .deleteFrom('devices')
          .where('id', '=', device.id)
          .where('user_id', '=', device.user_id)
          .execute();
        metrics.count(provider.name, 'device_removed');
        return { ...named, outcome: 'device_removed', status_code: result.status, error: result.error };
      }
      metrics.count(provider.name, result.outcome === 'retry' ? 'failed' : result.outcome);
      return {
        ...named,
        outcome: result.outcome,
        status_code: result.status,
        error: result.outcome === 'sent' ? null : result.error,
      };
    }),
  );
}

/** A test push renders the template even when that event's push is switched off for the type. */
function forceEnabled(settings: NotificationSettings | undefined, type: keyof typeof PUSH_EVENT_SETTINGS) {
  const key = PUSH_EVENT_SETTINGS[type];
  const base = settings ?? ({} as NotificationSettings);
  return { ...base, enabled: true, [key]: { ...base[key], enabled: true } } as NotificationSettings;
}

async function sampleEvent(
  store: Store,
  type: string,
  callCid: string | undefined,
  user: User,
  now: string,
): Promise<CallEvent> {
  let call: Record<string, unknown>;
  if (callCid) {
    const row = await store.read.db.selectFrom('calls').selectAll().where('cid', '=', callCid).executeTakeFirst();
    if (!row) throw notFound(`call ${callCid} does not exist`);
    call = {
      id: row.id,
      type: row.type,
      cid: row.cid,
      custom: JSON.parse(row.custom),
      settings: { video: { enabled: true } },
    };
  } else {
    call = {
      id: 'test-push',
      type: 'default',
      cid: 'default:test-push',
      custom: {},
      settings: { video: { enabled: true } },
    };
  }
  // Only the fields templates and the payload read: this event never leaves the node as an event.
  return {
    type,
    created_at: now,
    call_cid: call.cid,
    call: { ...call, created_by: user, blocked_user_ids: [] },
    user,
    members: [],
    session_id: 'test-push',
    video: true,
  } as unknown as CallEvent;
}
