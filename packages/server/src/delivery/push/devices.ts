/**
 * CreateDevice / ListDevices / DeleteDevice. A user token manages its own devices only; a server token names the
 * user. At most MAX_DEVICES_PER_USER per user: registering one more removes that user's oldest. Registering the
 * same token again is idempotent (it refreshes the device's settings and age).
 *
 * A token already registered to another user moves to the new user when a server token registers it (the app's
 * backend knows who is signed in on the phone now), and is refused for a user token: otherwise anyone who learnt
 * a token could take over that user's pushes.
 */
import {
  type CreateDeviceRequest,
  type DeleteDeviceQuery,
  type Device,
  MAX_DEVICES_PER_USER,
  PUSH_PROVIDER_TYPES,
  type PushProviderType,
} from '@switchboard/protocol';
import type { Actor } from '../../domain/actor.js';
import type { Clock } from '../../domain/clock.js';
import { isoNow } from '../../domain/clock.js';
import { inputError, notAllowed, notFound } from '../../domain/errors.js';
import type { AddressPolicy } from '../../domain/network-address.js';
import type { Store } from '../../store/store.js';
import { DeviceStore, deviceView } from './device-store.js';
import { canonicalDeviceId, lookupDeviceId } from './device-tokens.js';

/** The user a request acts on: a user token's own, or the `user_id` a server token names. */
function targetUser(actor: Actor, userId: string | undefined): string {
  if (actor.kind === 'server') {
    if (!userId) throw inputError('user_id is required with a server-side token', 'user_id');
    return userId;
  }
  if (actor.kind !== 'user') throw notAllowed('anonymous users have no devices');
  if (userId !== undefined && userId !== actor.userId) throw notAllowed('a user token manages only its own devices');
  return actor.userId;
}

export async function createDevice(
  store: Store,
  clock: Clock,
  actor: Actor,
  req: CreateDeviceRequest,
  /** Where a Web Push subscription's endpoint may point. */
  webPush: AddressPolicy,
): Promise<Device> {
  const userId = targetUser(actor, req.user_id);
  if (!(PUSH_PROVIDER_TYPES as readonly string[]).includes(req.push_provider)) {
    throw inputError(
      `unknown push_provider ${JSON.stringify(req.push_provider)}; supported: ${PUSH_PROVIDER_TYPES.join(', ')}`,
      'push_provider',
    );
  }
  const provider = req.push_provider as PushProviderType;
  if (req.voip_token && provider !== 'apn') throw inputError('voip_token is for APNs (PushKit) tokens', 'voip_token');
  const id = canonicalDeviceId(provider, req.id, webPush);
  const row = {
    id,
    user_id: userId,
    push_provider: provider,
    push_provider_name: req.push_provider_name ?? null,
    voip_token: req.voip_token ? 1 : 0,
    created_at: isoNow(clock),
  };
  await store.transaction(async (tx) => {
    const devices = new DeviceStore(tx.db, tx.dialect);
    if (!(await devices.lockUser(userId))) throw inputError(`user ${userId} does not exist`, 'user_id');
    const existing = await devices.get(id);
    if (existing && existing.user_id !== userId && actor.kind !== 'server') {
      throw notAllowed('this push token is registered to another user');
    }
    await devices.upsert(row);
    const mine = await devices.ofUser(userId);
    const excess = mine.length - MAX_DEVICES_PER_USER;
    if (excess > 0)
      await devices.remove(
        mine
          .filter((d) => d.id !== id)
          .slice(0, excess)
          .map((d) => d.id),
      );
  });
  return deviceView(row);
}

export async function listDevices(store: Store, actor: Actor, userId: string | undefined): Promise<Device[]> {
  const target = targetUser(actor, userId);
  const rows = await new DeviceStore(store.read.db, store.dialect).ofUser(target);
  return rows.map(deviceView);
}

export async function deleteDevice(store: Store, actor: Actor, query: DeleteDeviceQuery): Promise<void> {
  const target = targetUser(actor, query.user_id);
  const id = lookupDeviceId(query.id);
  await store.transaction(async (tx) => {
    const devices = new DeviceStore(tx.db, tx.dialect);
    const row = await devices.get(id);
    // Another user's device answers like a missing one: a user token learns nothing about others' tokens.
    if (!row || row.user_id !== target) throw notFound(`device ${query.id.slice(0, 64)} of user ${target} not found`);
    await devices.remove([id]);
  });
}
