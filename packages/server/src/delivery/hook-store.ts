/** The app's webhook settings in the database (so every node sees the same hooks): `webhook_url` and event hooks. */
import { APP_WEBHOOK_HOOK_ID, type EventHook, HOOK_TIMEOUT_DEFAULT_MS, type HookType } from '@switchboard/protocol';
import type { Kysely } from 'kysely';
import type { Database, EventHooksTable } from '../store/schema.js';

/** A hook as the relay and the sender use it; the app-wide `webhook_url` is one too (every event, default timeout). */
export interface ActiveHook {
  id: string;
  url: string;
  /** Empty = every event type. */
  eventTypes: ReadonlySet<string>;
  timeoutMs: number;
}

const APP_ROW = 'app';

export function hookView(row: EventHooksTable): EventHook {
  return {
    id: row.id,
    hook_type: row.hook_type as HookType,
    enabled: row.enabled === 1,
    event_types: JSON.parse(row.event_types) as string[],
    webhook_url: row.webhook_url,
    timeout_ms: row.timeout_ms ?? HOOK_TIMEOUT_DEFAULT_MS,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export class HookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async webhookUrl(): Promise<string> {
    const row = await this.db
      .selectFrom('app_settings')
      .select('webhook_url')
      .where('id', '=', APP_ROW)
      .executeTakeFirst();
    return row?.webhook_url ?? '';
  }

  async setWebhookUrl(url: string, now: string): Promise<void> {
    await this.db
      .insertInto('app_settings')
      .values({ id: APP_ROW, webhook_url: url === '' ? null : url, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ webhook_url: url === '' ? null : url, updated_at: now }))
      .execute();
  }

  hooks(): Promise<EventHooksTable[]> {
    return this.db.selectFrom('event_hooks').selectAll().orderBy('position').execute();
  }

  async replaceHooks(rows: readonly EventHooksTable[]): Promise<void> {
    await this.db.deleteFrom('event_hooks').execute();
    if (rows.length > 0)
      await this.db
        .insertInto('event_hooks')
        .values([...rows])
        .execute();
  }

  /** The hooks events are delivered to now: enabled event hooks, plus the app-wide URL when set. */
  async active(): Promise<ActiveHook[]> {
    const [url, rows] = await Promise.all([this.webhookUrl(), this.hooks()]);
    const active: ActiveHook[] = rows
      .filter((r) => r.enabled === 1)
      .map((r) => ({
        id: r.id,
        url: r.webhook_url,
        eventTypes: new Set(JSON.parse(r.event_types) as string[]),
        timeoutMs: r.timeout_ms ?? HOOK_TIMEOUT_DEFAULT_MS,
      }));
    if (url) active.push({ id: APP_WEBHOOK_HOOK_ID, url, eventTypes: new Set(), timeoutMs: HOOK_TIMEOUT_DEFAULT_MS });
    return active;
  }
}

export function wantsEvent(hook: ActiveHook, eventType: string): boolean {
  return hook.eventTypes.size === 0 || hook.eventTypes.has(eventType);
}
