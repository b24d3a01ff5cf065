/**
 * The live provider objects of one node, built from the stored `push_providers` rows and kept while a row is
 * unchanged (so an APNs provider keeps its HTTP/2 session and JWT, FCM its access token). A changed or removed
 * row's provider is closed. Bounded by MAX_PUSH_PROVIDERS (the stored list's own limit).
 */
import type { PushProviderType } from '@switchboard/protocol';
import type { Kysely } from 'kysely';
import type { OutboundPolicies } from '../../domain/network-address.js';
import type { Database, PushProvidersTable } from '../../store/schema.js';
import type { Resolver } from '../outbound/guarded-lookup.js';
import { APNS_DEVELOPMENT, APNS_PRODUCTION, ApnsProvider } from './apns-provider.js';
import { FCM_ENDPOINT, FcmProvider } from './fcm-provider.js';
import type { PushProvider } from './push-provider.js';
import type { ProviderConfig } from './push-provider-settings.js';
import { parseServiceAccount } from './push-provider-settings.js';
import { WebPushProvider } from './webpush-provider.js';

export function loadProviderRows(db: Kysely<Database>): Promise<PushProvidersTable[]> {
  return db.selectFrom('push_providers').selectAll().orderBy('position').execute();
}

export class ProviderPool {
  private readonly live = new Map<string, { version: string; provider: PushProvider }>();
  private rows: PushProvidersTable[] = [];

  constructor(
    private readonly policies: OutboundPolicies,
    /** Tests resolve names their own way; a node uses the system resolver. */
    private readonly resolve?: Resolver,
  ) {}

  /** Adopts the current rows: builds new providers, closes replaced and removed ones. */
  update(rows: readonly PushProvidersTable[]): void {
    this.rows = rows.filter((r) => r.disabled === 0);
    const wanted = new Set(this.rows.map((r) => r.name));
    for (const [name, entry] of this.live) {
      if (!wanted.has(name)) {
        this.live.delete(name);
        void entry.provider.close();
      }
    }
    for (const row of this.rows) {
      const version = `${row.type}\n${row.config}`;
      const current = this.live.get(row.name);
      if (current?.version === version) continue;
      if (current) void current.provider.close();
      this.live.set(row.name, { version, provider: buildProvider(row, this.policies, this.resolve) });
    }
  }

  /** The device's named provider, or the first enabled one of its type. */
  providerFor(type: PushProviderType, name: string | null): PushProvider | undefined {
    const row = name
      ? this.rows.find((r) => r.name === name && r.type === type)
      : this.rows.find((r) => r.type === type);
    return row ? this.live.get(row.name)?.provider : undefined;
  }

  get size(): number {
    return this.rows.length;
  }

  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map((e) => e.provider.close()));
  }
}

function buildProvider(row: PushProvidersTable, policies: OutboundPolicies, resolve?: Resolver): PushProvider {
  const config = JSON.parse(row.config) as ProviderConfig;
  // Provider endpoints are the operator's; Web Push endpoints are whatever URL a user registered.
  const operator = { policy: policies.operator, ...(resolve ? { resolve } : {}) };
  switch (row.type as PushProviderType) {
    case 'apn':
      return new ApnsProvider({
        name: row.name,
        keyPem: config.apn_auth_key ?? '',
        keyId: config.apn_key_id ?? '',
        teamId: config.apn_team_id ?? '',
        topic: config.apn_topic ?? '',
        endpoint: config.apn_endpoint ?? (config.apn_development ? APNS_DEVELOPMENT : APNS_PRODUCTION),
        ...operator,
      });
    case 'firebase':
      return new FcmProvider({
        name: row.name,
        account: parseServiceAccount(config.firebase_credentials ?? '', 'firebase_credentials'),
        endpoint: config.firebase_endpoint ?? FCM_ENDPOINT,
        ...operator,
      });
    case 'webpush':
      return new WebPushProvider({
        name: row.name,
        publicKey: config.webpush_vapid_public_key ?? '',
        privateKey: config.webpush_vapid_private_key ?? '',
        subject: config.webpush_subject ?? '',
        policy: policies.webPush,
        ...(resolve ? { resolve } : {}),
      });
  }
}
