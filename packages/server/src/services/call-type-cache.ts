/**
 * Call types are read on every call operation, so they are cached per node. Writes go through this cache
 * (`invalidate`, on every node through the bus: cluster/cache-coherence.ts), so a grants change takes effect on
 * the next request on any node. Entries also expire after `ttlMs`, a backstop for a missed invalidation.
 *
 * Only types that exist are kept, at most `maxEntries` (least recently used go first): the names in requests
 * are the client's, so caching misses would let anyone grow the map with made-up names.
 */
import type { CallSettings, NotificationSettings } from '@switchboard/protocol';
import { LRUCache } from 'lru-cache';
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

export const DEFAULT_CALL_TYPE_CACHE_ENTRIES = 1000;

export class CallTypeCache {
  private readonly entries: LRUCache<string, CallTypeDefinition>;

  constructor(
    private readonly store: Store,
    ttlMs = 1000,
    maxEntries = DEFAULT_CALL_TYPE_CACHE_ENTRIES,
  ) {
    this.entries = new LRUCache<string, CallTypeDefinition>({ max: Math.max(1, maxEntries), ttl: ttlMs });
  }

  /** How many call types are cached now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Inside a transaction pass its repositories: on SQLite the transaction holds the only connection, so a read
   * through the root connection would wait for the transaction that is waiting for it.
   */
  async get(name: string, repos: Repositories = this.store.read): Promise<CallTypeDefinition | undefined> {
    const hit = this.entries.get(name);
    if (hit) return hit;
    const row = await repos.callTypes.get(name);
    if (!row) return undefined;
    const value = callTypeFromRow(row);
    this.entries.set(name, value);
    return value;
  }

  invalidate(name: string): void {
    this.entries.delete(name);
  }

  /** Drops every entry (this node may have missed invalidations: cluster/cache-coherence.ts). */
  clear(): void {
    this.entries.clear();
  }
}
