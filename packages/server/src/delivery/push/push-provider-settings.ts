/**
 * The app's push providers (`push_providers` of GetApp / UpdateApp): checked when saved (a key that does not parse
 * is a code 4 naming the field now, not a failed push later), stored with their secrets, shown masked.
 */
import { createECDH, createPublicKey } from 'node:crypto';
import {
  MASKED_SECRET,
  PUSH_PROVIDER_TYPES,
  type PushProviderRequest,
  type PushProviderType,
  type PushProvider as PushProviderView,
} from '@switchboard/protocol';
import { inputError } from '../../domain/errors.js';
import type { AddressPolicy } from '../../domain/network-address.js';
import type { PushProvidersTable } from '../../store/schema.js';
import { checkWebhookUrl } from '../app-settings.js';
import { GOOGLE_TOKEN_URI, type ServiceAccount } from './fcm-provider.js';

const SECRETS = ['apn_auth_key', 'firebase_credentials', 'webpush_vapid_private_key'] as const;

/** The stored `config` of a provider: its request fields minus `type`, `name` and `disabled`. */
export type ProviderConfig = Omit<PushProviderRequest, 'type' | 'name' | 'disabled'>;

export function providerView(row: PushProvidersTable): PushProviderView {
  const config = JSON.parse(row.config) as ProviderConfig;
  const masked: ProviderConfig = { ...config };
  for (const key of SECRETS) if (masked[key] !== undefined) masked[key] = MASKED_SECRET;
  return {
    name: row.name,
    type: row.type as PushProviderType,
    disabled: row.disabled === 1,
    ...masked,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The rows that replace the stored list; secrets sent masked or left out keep the stored ones of that name. */
export function providerRows(
  requests: readonly PushProviderRequest[],
  existing: ReadonlyMap<string, PushProvidersTable>,
  now: string,
  policy: AddressPolicy,
): PushProvidersTable[] {
  const names = new Set<string>();
  return requests.map((req, index) => {
    const field = (name: string) => `push_providers.${index}.${name}`;
    if (!(PUSH_PROVIDER_TYPES as readonly string[]).includes(req.type)) {
      throw inputError(
        `unknown push provider type ${JSON.stringify(req.type)}; supported: ${PUSH_PROVIDER_TYPES.join(', ')}`,
        field('type'),
      );
    }
    if (names.has(req.name)) throw inputError(`push provider ${req.name} is listed twice`, field('name'));
    names.add(req.name);
    const previous = existing.get(req.name);
    const kept = previous && previous.type === req.type ? (JSON.parse(previous.config) as ProviderConfig) : {};
    const { type, name, disabled, ...config } = req;
    for (const key of SECRETS) {
      if (config[key] === undefined || config[key] === MASKED_SECRET) {
        if (kept[key] === undefined) delete config[key];
        else config[key] = kept[key];
      }
    }
    checkProvider(type as PushProviderType, config, field, policy);
    return {
      name,
      position: index,
      type,
      disabled: disabled ? 1 : 0,
      config: JSON.stringify(config),
      created_at: previous?.created_at ?? now,
      updated_at: now,
    };
  });
}

function required(config: ProviderConfig, key: keyof ProviderConfig, field: (n: string) => string): string {
  const value = config[key];
  if (typeof value !== 'string' || value.trim() === '') throw inputError(`${key} is required`, field(key));
  return value;
}

function checkProvider(
  type: PushProviderType,
  config: ProviderConfig,
  field: (n: string) => string,
  policy: AddressPolicy,
): void {
  switch (type) {
    case 'apn': {
      checkKey(required(config, 'apn_auth_key', field), 'EC', field('apn_auth_key'), 'a .p8 (PKCS#8 EC P-256) key');
      required(config, 'apn_key_id', field);
      required(config, 'apn_team_id', field);
      required(config, 'apn_topic', field);
      if (config.apn_endpoint)
        config.apn_endpoint = checkWebhookUrl(config.apn_endpoint, field('apn_endpoint'), policy);
      return;
    }
    case 'firebase': {
      const account = parseServiceAccount(
        required(config, 'firebase_credentials', field),
        field('firebase_credentials'),
        policy,
      );
      checkKey(account.private_key, 'RSA', field('firebase_credentials'), 'a service account private_key');
      if (config.firebase_endpoint) {
        config.firebase_endpoint = checkWebhookUrl(
          config.firebase_endpoint,
          field('firebase_endpoint'),
          policy,
        ).replace(/\/+$/, '');
      }
      return;
    }
    case 'webpush': {
      const pub = Buffer.from(required(config, 'webpush_vapid_public_key', field), 'base64url');
      if (pub.length !== 65 || pub[0] !== 4) {
        throw inputError('must be a base64url uncompressed P-256 public key', field('webpush_vapid_public_key'));
      }
      const priv = vapidPrivateKey(required(config, 'webpush_vapid_private_key', field), pub, field);
      // Stored as the 32-byte scalar web-push expects, whatever padding the key arrived with.
      config.webpush_vapid_private_key = priv.toString('base64url');
      const subject = required(config, 'webpush_subject', field);
      if (!subject.startsWith('mailto:') && !subject.startsWith('https:')) {
        throw inputError('must be a mailto: or https: URL (push services contact you there)', field('webpush_subject'));
      }
      return;
    }
  }
}

/**
 * The VAPID private key as its 32-byte scalar. Tools that print the scalar as a big-endian integer drop leading
 * zero bytes (1 key in 256 is 31 bytes long), so shorter keys are padded; the key must then be the public key's.
 */
function vapidPrivateKey(value: string, publicKey: Buffer, field: (n: string) => string): Buffer {
  const name = field('webpush_vapid_private_key');
  const raw = Buffer.from(value, 'base64url');
  if (raw.length === 0 || raw.length > 32) throw inputError('must be a base64url 32-byte P-256 key', name);
  const scalar = Buffer.concat([Buffer.alloc(32 - raw.length), raw]);
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(scalar);
  } catch {
    throw inputError('must be a base64url 32-byte P-256 key', name);
  }
  if (!ecdh.getPublicKey().equals(publicKey)) {
    throw inputError('is not the private key of webpush_vapid_public_key', name);
  }
  return scalar;
}

function checkKey(pem: string, kind: 'EC' | 'RSA', field: string, what: string): void {
  let type: string | undefined;
  let curve: string | undefined;
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    type = key.asymmetricKeyType;
    curve = key.asymmetricKeyDetails?.namedCurve;
  } catch {
    throw inputError(`must be ${what} in PEM form`, field);
  }
  if (kind === 'EC' ? type !== 'ec' || curve !== 'prime256v1' : type !== 'rsa') {
    throw inputError(`must be ${what}`, field);
  }
}

/**
 * The fields of a service account JSON that the grant needs, or an input error naming `field`. Without a policy
 * (reading back what was checked when saved) the token URI is not checked again here: the connect-time guard
 * still holds it to the policy.
 */
export function parseServiceAccount(json: string, field: string, policy?: AddressPolicy): ServiceAccount {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw inputError('must be the service account JSON', field);
  }
  for (const key of ['project_id', 'client_email', 'private_key'] as const) {
    if (typeof value?.[key] !== 'string' || value[key] === '') throw inputError(`the JSON has no ${key}`, field);
  }
  const tokenUri =
    typeof value.token_uri !== 'string'
      ? GOOGLE_TOKEN_URI
      : policy
        ? checkWebhookUrl(value.token_uri, field, policy)
        : value.token_uri;
  return {
    project_id: value.project_id as string,
    client_email: value.client_email as string,
    private_key: value.private_key as string,
    token_uri: tokenUri,
  };
}
