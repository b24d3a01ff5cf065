/**
 * The push sink: in the relay's transaction, turns each relayed push-worthy event (delivery/push/push-message.ts)
 * into one pending row per device of each user who should get it (domain/audience.ts `pushAudience`), when the
 * call type's notification settings send that event. Apps without push providers pay one tiny query per batch.
 */
import type { CallEvent, NotificationSettings, PushEventType } from '@switchboard/protocol';
import { needsMembers, pushAudience } from '../../domain/audience.js';
import type { Repositories } from '../../store/store.js';
import type { OutboxSink, RelayedEvent } from '../outbox-relay.js';
import { DeviceStore } from './device-store.js';
import { isPushEvent, pushEnabled } from './push-message.js';
import { type NewPushRow, PushStore } from './push-store.js';

export async function notificationSettingsOf(
  tx: Repositories,
  callType: string,
): Promise<NotificationSettings | undefined> {
  const row = await tx.db
    .selectFrom('call_types')
    .select('notification_settings')
    .where('name', '=', callType)
    .executeTakeFirst();
  return row ? (JSON.parse(row.notification_settings) as NotificationSettings) : undefined;
}

export class PushSink implements OutboxSink {
  readonly name = 'push';
  /** Whether the batch being relayed queued any push (only then is the worker woken). */
  private queued = false;

  constructor(private readonly onQueued: () => void) {}

  async accept(tx: Repositories, events: readonly RelayedEvent[], now: string): Promise<void> {
    const candidates = events.filter((e) => isPushEvent(e.eventType));
    if (candidates.length === 0) return;
    const anyProvider = await tx.db
      .selectFrom('push_providers')
      .select('name')
      .where('disabled', '=', 0)
      .limit(1)
      .executeTakeFirst();
    if (!anyProvider) return;
    const store = new PushStore(tx.db, tx.dialect);
    const payloads = await store.payloads(candidates.map((e) => e.outboxId));
    const settingsByType = new Map<string, NotificationSettings | undefined>();
    const devices = new DeviceStore(tx.db, tx.dialect);
    const rows: NewPushRow[] = [];
    for (const relayed of candidates) {
      const payload = payloads.get(relayed.outboxId);
      if (!payload) continue;
      const event = JSON.parse(payload) as CallEvent;
      if (!settingsByType.has(event.call.type)) {
        settingsByType.set(event.call.type, await notificationSettingsOf(tx, event.call.type));
      }
      if (!pushEnabled(settingsByType.get(event.call.type), event.type as PushEventType)) continue;
      const members = needsMembers(event) ? await memberIds(tx, event.call_cid) : [];
      const users = pushAudience(event, members);
      for (const device of await devices.ofUsers(users)) {
        // A PushKit token takes only VoIP pushes, and only rings are VoIP.
        if (device.voip_token === 1 && event.type !== 'call.ring') continue;
        rows.push({
          outbox_id: relayed.outboxId,
          event_type: event.type,
          call_cid: event.call_cid,
          user_id: device.user_id,
          device_id: device.id,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          lease_until: null,
          last_error: null,
          created_at: now,
        });
      }
    }
    if (rows.length > 0) {
      await store.insert(rows);
      this.queued = true;
    }
  }

  relayed(): void {
    if (!this.queued) return;
    this.queued = false;
    this.onQueued();
  }
}

async function memberIds(tx: Repositories, cid: string): Promise<string[]> {
  const rows = await tx.db.selectFrom('call_members').select('user_id').where('call_cid', '=', cid).execute();
  return rows.map((r) => r.user_id);
}
