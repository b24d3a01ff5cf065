/**
 * Call types are read on every call operation, so they are cached per node. Writes go through this cache
 * (`invalidate`), so a grants change takes effect on the next request on this node. Across nodes the cache
 * entries expire after `ttlMs`; the scale-out work adds bus-driven invalidation.
 */
import type { CallSettings, NotificationSettings } from '@switchboard/protocol';
import type { Grants } from '../domain/permissions.js';
import { parseJson } from '../store/json.js';
import type { CallTypesTable } from '../store/schema.js';
import type { Repositories, Store } from '../store/store.js';

export interface CallTypeDefinition {
  name: string;
  grants: Grants;
  settings: CallSettings;
  notification_settings: NotificationSettings;
  created_at: string;
  updated_at: string;
}

export function callTypeFromRow(row: CallTypesTable): CallTypeDefinition {
  return {
    name: row.name,
    grants: parseJson(row.grants, {}),
    settings: parseJson(row.settings, {} as CallSettings),
    notification_settings: parseJson(row.notification_settings, {} as NotificationSettings),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export class CallTypeCache {
  private readonly entries = new Map<string, { value: CallTypeDefinition | undefined; expires: number }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 1000,
  ) {}

  /**
   * Inside a transaction pass its repositories: on SQLite the transaction holds the only connection, so a read
   * through the root connection would wait for the transaction that is waiting for it.
   */
  async get(name: string, repos: Repositories = this.store.read): Promise<CallTypeDefinition | undefined> {
    const now = Date.now();
    const hit = this.entries.get(name);
    if (hit && hit.expires > now) return hit.value;
    const row = await repos.callTypes.get(name);
    const value = row ? callTypeFromRow(row) : undefined;
    this.entries.set(name, { value, expires: now + this.ttlMs });
    return value;
  }

  invalidate(name: string): void {
    this.entries.delete(name);
  }
}
