/**
 * GetApp / UpdateApp: the app-wide `webhook_url`, the event hooks and the push providers. Server tokens only: hooks receive every
 * call's events, so a user must not be able to read or point them anywhere.
 */
import { randomUUID } from 'node:crypto';
import {
  APP_WEBHOOK_HOOK_ID,
  type AppSettings,
  type EventHookRequest,
  HOOK_TIMEOUT_DEFAULT_MS,
  HOOK_TIMEOUT_MAX_MS,
  HOOK_TIMEOUT_MIN_MS,
  HOOK_TYPES,
  type UpdateAppRequest,
} from '@switchboard/protocol';
import { sql } from 'kysely';
import type { Actor } from '../domain/actor.js';
import type { Clock } from '../domain/clock.js';
import { isoNow } from '../domain/clock.js';
import { inputError, notAllowed } from '../domain/errors.js';
import type { AddressPolicy, OutboundPolicies } from '../domain/network-address.js';
import { checkOutboundUrl } from '../domain/outbound-url.js';
import type { EventHooksTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { HookStore, hookView } from './hook-store.js';
import { loadProviderRows } from './push/provider-pool.js';
import { providerRows, providerView } from './push/push-provider-settings.js';

export function requireServer(actor: Actor, what: string): void {
  if (actor.kind !== 'server') throw notAllowed(`${what} needs a server-side token`);
}

/**
 * An absolute http(s) URL an operator configured (webhook, push service), not pointing at a non-public address
 * outside the operator's allow-list; or an input error naming `field`.
 */
export function checkWebhookUrl(value: string, field: string, policy: AddressPolicy): string {
  return checkOutboundUrl(value, field, policy, { requireHttps: false });
}

export async function getApp(store: Store, actor: Actor): Promise<AppSettings> {
  requireServer(actor, 'reading app settings');
  const hooks = new HookStore(store.read.db);
  const [webhook_url, rows, providers] = await Promise.all([
    hooks.webhookUrl(),
    hooks.hooks(),
    loadProviderRows(store.read.db),
  ]);
  return { webhook_url, event_hooks: rows.map(hookView), push_providers: providers.map(providerView) };
}

export async function updateApp(
  store: Store,
  clock: Clock,
  actor: Actor,
  request: UpdateAppRequest,
  policies: OutboundPolicies,
): Promise<AppSettings> {
  requireServer(actor, 'updating app settings');
  const policy = policies.operator;
  const webhookUrl =
    request.webhook_url === undefined || request.webhook_url === ''
      ? request.webhook_url
      : checkWebhookUrl(request.webhook_url, 'webhook_url', policy);
  const now = isoNow(clock);
  await store.transaction(async (tx) => {
    const hooks = new HookStore(tx.db);
    if (webhookUrl !== undefined) await hooks.setWebhookUrl(webhookUrl, now);
    if (request.event_hooks !== undefined) {
      const existing = new Map((await hooks.hooks()).map((r) => [r.id, r]));
      const rows = request.event_hooks.map((h, i) => hookRow(h, i, existing.get(h.id ?? ''), now, policy));
      const ids = new Set<string>();
      for (const [i, row] of rows.entries()) {
        if (ids.has(row.id)) throw inputError(`event hook id ${row.id} is listed twice`, `event_hooks.${i}.id`);
        ids.add(row.id);
      }
      await hooks.replaceHooks(rows);
    }
    if (request.push_providers !== undefined) {
      // Two concurrent updates must not both read the old list (a kept secret could be lost): one at a time.
      if (store.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':switchboard.push_providers'))`.execute(
          tx.db,
        );
      }
      const existing = new Map((await loadProviderRows(tx.db)).map((r) => [r.name, r]));
      const rows = providerRows(request.push_providers, existing, now, policy);
      await tx.db.deleteFrom('push_providers').execute();
      if (rows.length > 0) await tx.db.insertInto('push_providers').values(rows).execute();
    }
  });
  return getApp(store, actor);
}

function hookRow(
  hook: EventHookRequest,
  index: number,
  previous: EventHooksTable | undefined,
  now: string,
  policy: AddressPolicy,
): EventHooksTable {
  const field = (name: string) => `event_hooks.${index}.${name}`;
  if (!(HOOK_TYPES as readonly string[]).includes(hook.hook_type)) {
    throw inputError(
      `unknown hook_type ${JSON.stringify(hook.hook_type)}; supported: ${HOOK_TYPES.join(', ')}`,
      field('hook_type'),
    );
  }
  const timeout = hook.timeout_ms ?? HOOK_TIMEOUT_DEFAULT_MS;
  if (timeout < HOOK_TIMEOUT_MIN_MS || timeout > HOOK_TIMEOUT_MAX_MS) {
    throw inputError(
      `timeout_ms must be between ${HOOK_TIMEOUT_MIN_MS} and ${HOOK_TIMEOUT_MAX_MS}`,
      field('timeout_ms'),
    );
  }
  if (hook.id === APP_WEBHOOK_HOOK_ID) {
    throw inputError(`${APP_WEBHOOK_HOOK_ID} is the reserved id of the app-wide webhook_url`, field('id'));
  }
  return {
    id: hook.id ?? randomUUID(),
    position: index,
    hook_type: hook.hook_type,
    enabled: hook.enabled === false ? 0 : 1,
    event_types: JSON.stringify([...new Set(hook.event_types ?? [])]),
    webhook_url: checkWebhookUrl(hook.webhook_url, field('webhook_url'), policy),
    timeout_ms: timeout,
    created_at: previous?.created_at ?? now,
    updated_at: now,
  };
}
