/**
 * App settings (webhook_url, event_hooks) and the webhook delivery log: request schemas and the shapes answered.
 * Event hooks follow the hosted service's public shape; the delivery log and replay are Switchboard extensions.
 */
import { type Static, Type } from 'typebox';
import { MAX_PUSH_PROVIDERS, type PushProvider, PushProviderRequest } from './push.js';

/** The hook types this server can deliver (push providers and queues may follow). */
export const HOOK_TYPES = ['webhook'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** Bounds of a hook's per-attempt timeout. */
export const HOOK_TIMEOUT_MIN_MS = 100;
export const HOOK_TIMEOUT_MAX_MS = 60_000;
export const HOOK_TIMEOUT_DEFAULT_MS = 10_000;
export const MAX_EVENT_HOOKS = 20;

const Url = Type.String({ maxLength: 2048 });

export const EventHookRequest = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' })),
  // Any string, checked by the service so an unknown type gets a message naming the known ones.
  hook_type: Type.String({ maxLength: 64 }),
  enabled: Type.Optional(Type.Boolean()),
  event_types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
  webhook_url: Url,
  timeout_ms: Type.Optional(Type.Integer()),
});
export type EventHookRequest = Static<typeof EventHookRequest>;

export const UpdateAppRequest = Type.Object({
  /** One endpoint for every event; empty string clears it. */
  webhook_url: Type.Optional(Url),
  /** Replaces the whole list; hooks sent with their `id` keep it. */
  event_hooks: Type.Optional(Type.Array(EventHookRequest, { maxItems: MAX_EVENT_HOOKS })),
  /** Replaces the whole list; a secret sent back masked (or left out) keeps the stored one of that name. */
  push_providers: Type.Optional(Type.Array(PushProviderRequest, { maxItems: MAX_PUSH_PROVIDERS })),
});
export type UpdateAppRequest = Static<typeof UpdateAppRequest>;

export interface EventHook {
  id: string;
  hook_type: HookType;
  enabled: boolean;
  event_types: string[];
  webhook_url: string;
  timeout_ms: number;
  created_at: string;
  updated_at: string;
}

export interface AppSettings {
  /** Empty when unset. */
  webhook_url: string;
  event_hooks: EventHook[];
  push_providers: PushProvider[];
}

export interface GetAppResponse {
  app: AppSettings;
  duration: string;
}

export const DELIVERY_STATUSES = ['pending', 'in_flight', 'delivered', 'dead_letter'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The hook id deliveries to the app-wide `webhook_url` carry. */
export const APP_WEBHOOK_HOOK_ID = 'webhook_url';

export interface WebhookDelivery {
  id: string;
  hook_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  call_cid: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  event_created_at: string;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export const ListDeliveriesQuery = Type.Object({
  hook_id: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(
    Type.Union([
      Type.Literal('pending'),
      Type.Literal('in_flight'),
      Type.Literal('delivered'),
      Type.Literal('dead_letter'),
    ]),
  ),
  call_cid: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  /** Deliveries with a smaller id than this (the previous page's `next`). */
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
});
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export interface ListDeliveriesResponse {
  deliveries: WebhookDelivery[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
  duration: string;
}

export interface RetryDeliveryResponse {
  delivery: WebhookDelivery;
  duration: string;
}

export const ReplayEventsRequest = Type.Object({
  hook_id: Type.String({ minLength: 1, maxLength: 64 }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  call_cid: Type.Optional(Type.String({ maxLength: 200 })),
  event_types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
});
export type ReplayEventsRequest = Static<typeof ReplayEventsRequest>;

export interface ReplayEventsResponse {
  /** Deliveries queued (one per matching retained event). */
  queued: number;
  duration: string;
}
