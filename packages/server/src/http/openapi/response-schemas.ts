/**
 * Response bodies as TypeBox schemas, built from the protocol package's models, for the OpenAPI document and the
 * contract test. They describe; they do not serialize: handlers' results are turned into JSON by json-reply.ts
 * (which reuses frozen snapshot text), so these never sit on the hot path.
 *
 * The type assertions at the bottom keep each schema and the protocol's response interface of the same name in step.
 */
import {
  Call,
  CallType,
  type CallTypeResponse,
  ClusterNode,
  type DeleteCallResponse,
  type DeleteUsersResponse,
  type EmptyResponse,
  type GetAppResponse,
  type GetCallResponse,
  type GetOrCreateCallResponse,
  type JoinCallResponse,
  type ListCallTypesResponse,
  type ListClusterNodesResponse,
  type ListDeliveriesResponse,
  type ListDevicesResponse,
  Member,
  type QueryCallMembersResponse,
  type QueryCallsResponse,
  type QueryUsersResponse,
  type ReplayEventsResponse,
  type RetryDeliveryResponse,
  type RingCallResponse,
  type TestPushResponse,
  type UpdateCallMembersResponse,
  User,
  type UsersResponse,
} from '@switchboard/protocol';
import { type Static, type TProperties, type TSchema, Type } from 'typebox';

const Duration = Type.String({ description: 'Server-side processing time, e.g. "1.23ms".' });
const Cursors = {
  next: Type.Optional(Type.String({ description: 'Cursor of the next page; absent on the last page.' })),
  prev: Type.Optional(Type.String({ description: 'Cursor of the previous page; absent on the first page.' })),
};
/**
 * Settings objects stay open: call type settings (UpdateCallType, CreateCallType) accept fields the API does not
 * model and give them back, so a response may carry keys the document cannot list.
 */
const OPEN_PROPERTIES = new Set(['settings', 'notification_settings']);

/**
 * The schema with every object that lists its properties closed (`additionalProperties: false`): the server sends
 * exactly the model's fields, so the contract test can catch a field the document does not know. Maps (records,
 * `custom`) and settings (OPEN_PROPERTIES) stay open.
 */
export function closed<T extends TSchema>(schema: T): T {
  const close = (value: unknown, parentKey?: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => close(item));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const openSettings = parentKey === 'properties' && OPEN_PROPERTIES.has(key);
      out[key] = openSettings ? inner : close(inner, key);
    }
    if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  return close(schema) as T;
}

const body = <P extends TProperties>(properties: P, description: string) =>
  closed(Type.Object({ ...properties, duration: Duration }, { description }));

const CallFields = {
  call: Call,
  members: Type.Array(Member),
  own_capabilities: Type.Array(Type.String(), { description: "The caller's capabilities in this call." }),
  membership: Type.Optional(Member),
};
const CallState = Type.Object(CallFields);

export const EmptyResponseSchema = body({}, 'Nothing but the processing time.');
export const CallResponseSchema = body(CallFields, 'The call, its members and what the caller may do.');
export const GetOrCreateCallResponseSchema = body(
  { ...CallFields, created: Type.Boolean({ description: 'True when this request created the call.' }) },
  'The call, created now or before.',
);
export const UpdateCallMembersResponseSchema = body({ members: Type.Array(Member) }, 'The added or updated members.');
export const DeleteCallResponseSchema = body({ call: Call }, 'The call as it was deleted.');
export const CallOnlyResponseSchema = body({ call: Call }, 'The call after the change.');
export const JoinCallResponseSchema = body(
  {
    ...CallFields,
    created: Type.Boolean(),
    credentials: Type.Object({
      server: Type.Object({ url: Type.String(), ws_endpoint: Type.String(), edge_name: Type.String() }),
      token: Type.String(),
      ice_servers: Type.Array(Type.Unknown()),
    }),
    stats_options: Type.Object({ enable_rtc_stats: Type.Boolean(), reporting_interval_ms: Type.Integer() }),
  },
  'The call joined, and where to connect for media.',
);
export const RingCallResponseSchema = body(
  { members_ids: Type.Array(Type.String(), { description: 'The members who were rung.' }) },
  'Who was rung.',
);
export const ListCallTypesResponseSchema = body(
  { call_types: Type.Record(Type.String(), CallType) },
  'Every call type, by name.',
);
export const CallTypeResponseSchema = closed(
  Type.Object({ ...CallType.properties, duration: Duration }, { description: 'The call type.' }),
);
export const UsersResponseSchema = body({ users: Type.Record(Type.String(), User) }, 'The users written, by id.');
export const QueryUsersResponseSchema = body({ users: Type.Array(User), ...Cursors }, 'One page of users.');
export const QueryCallsResponseSchema = body({ calls: Type.Array(CallState), ...Cursors }, 'One page of calls.');
export const QueryCallMembersResponseSchema = body({ members: Type.Array(Member), ...Cursors }, 'One page of members.');
export const DeleteUsersResponseSchema = body(
  { deleted_user_ids: Type.Array(Type.String()) },
  'The ids of the users deleted.',
);
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const EventHook = Type.Object({
  id: Type.String(),
  hook_type: Type.Literal('webhook'),
  enabled: Type.Boolean(),
  event_types: Type.Array(Type.String(), { description: 'The event types sent to this hook; empty means all.' }),
  webhook_url: Type.String(),
  timeout_ms: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const WebhookDelivery = Type.Object({
  id: Type.String(),
  hook_id: Type.String(),
  webhook_id: Type.String({ description: 'Sent as X-Webhook-Id: stable across retries of this event to this hook.' }),
  event_id: Type.String(),
  event_type: Type.String(),
  call_cid: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('in_flight'),
    Type.Literal('delivered'),
    Type.Literal('dead_letter'),
  ]),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(Type.String({ format: 'date-time' })),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  event_created_at: Type.String({ format: 'date-time' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  delivered_at: Nullable(Type.String({ format: 'date-time' })),
});
const PushProvider = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('apn'), Type.Literal('firebase'), Type.Literal('webpush')]),
  disabled: Type.Boolean(),
  apn_auth_key: Type.Optional(Type.String({ description: 'Masked.' })),
  apn_key_id: Type.Optional(Type.String()),
  apn_team_id: Type.Optional(Type.String()),
  apn_topic: Type.Optional(Type.String()),
  apn_development: Type.Optional(Type.Boolean()),
  apn_endpoint: Type.Optional(Type.String()),
  firebase_credentials: Type.Optional(Type.String({ description: 'Masked.' })),
  firebase_endpoint: Type.Optional(Type.String()),
  webpush_vapid_public_key: Type.Optional(Type.String()),
  webpush_vapid_private_key: Type.Optional(Type.String({ description: 'Masked.' })),
  webpush_subject: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const Device = Type.Object({
  id: Type.String({ description: 'The push token (Web Push: the subscription JSON, canonical form).' }),
  user_id: Type.String(),
  push_provider: Type.Union([Type.Literal('apn'), Type.Literal('firebase'), Type.Literal('webpush')]),
  push_provider_name: Type.Optional(Type.String()),
  voip_token: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
export const DeviceResponseSchema = body({ device: Device }, 'The registered device.');
export const ListDevicesResponseSchema = body({ devices: Type.Array(Device) }, "The user's devices, oldest first.");
export const TestPushResponseSchema = body(
  {
    results: Type.Array(
      Type.Object({
        device_id: Type.String(),
        push_provider: Type.Union([Type.Literal('apn'), Type.Literal('firebase'), Type.Literal('webpush')]),
        push_provider_name: Type.String(),
        outcome: Type.String({ description: 'sent | failed | device_removed | skipped | retry' }),
        status_code: Nullable(Type.Integer()),
        error: Nullable(Type.String()),
      }),
    ),
  },
  "What each device's push service answered.",
);
export const AppResponseSchema = body(
  {
    app: Type.Object({
      webhook_url: Type.String({ description: 'The endpoint that receives every event; empty when unset.' }),
      event_hooks: Type.Array(EventHook),
      push_providers: Type.Array(PushProvider),
    }),
  },
  "The app's settings.",
);
export const ListDeliveriesResponseSchema = body(
  {
    deliveries: Type.Array(WebhookDelivery),
    next: Type.Optional(Type.String({ description: 'Pass as `before` for the next (older) page.' })),
  },
  'One page of webhook deliveries, newest first.',
);
export const RetryDeliveryResponseSchema = body({ delivery: WebhookDelivery }, 'The delivery, pending again.');
export const ReplayEventsResponseSchema = body(
  { queued: Type.Integer({ description: 'Deliveries queued, one per matching retained event.' }) },
  'How many events were queued again.',
);
export const ListClusterNodesResponseSchema = body(
  { nodes: Type.Array(ClusterNode) },
  'The live nodes, oldest first, with the figures each wrote on its last heartbeat.',
);
export const HealthResponseSchema = body({ status: Type.Literal('ok') }, 'The node is up.');
export const ReadinessResponseSchema = body(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    database: Type.Boolean({ description: 'The database answered a query.' }),
    redis: Type.Union([Type.Boolean(), Type.Null()], {
      description: 'The Redis links of the cluster bus are up; null on a single node (no `REDIS_URL`).',
    }),
    draining: Type.Boolean({ description: 'The node is shutting down; send it no new work.' }),
    reason: Type.Optional(
      Type.String({
        description: 'Why the node is not ready (which backend is unavailable, or draining); absent when ready.',
      }),
    ),
  },
  'Ready (200) or not (503, same body): take the node out of the load balancer while 503.',
);
export const DemoTokenResponseSchema = body(
  { token: Type.String(), api_key: Type.String(), user_id: Type.String(), expires_at: Type.String() },
  'A user token and the api_key to use it with.',
);

/** `A` and `B` name the same JSON: each assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>) => ok;
same<Static<typeof EmptyResponseSchema>, EmptyResponse>(true);
same<Static<typeof GetOrCreateCallResponseSchema>, GetOrCreateCallResponse>(true);
same<Static<typeof CallResponseSchema>, GetCallResponse>(true);
same<Static<typeof UpdateCallMembersResponseSchema>, UpdateCallMembersResponse>(true);
same<Static<typeof DeleteCallResponseSchema>, DeleteCallResponse>(true);
same<Static<typeof JoinCallResponseSchema>, JoinCallResponse>(true);
same<Static<typeof RingCallResponseSchema>, RingCallResponse>(true);
same<Static<typeof ListCallTypesResponseSchema>, ListCallTypesResponse>(true);
same<Static<typeof CallTypeResponseSchema>, CallTypeResponse>(true);
same<Static<typeof UsersResponseSchema>, UsersResponse>(true);
same<Static<typeof QueryUsersResponseSchema>, QueryUsersResponse>(true);
same<Static<typeof QueryCallsResponseSchema>, QueryCallsResponse>(true);
same<Static<typeof QueryCallMembersResponseSchema>, QueryCallMembersResponse>(true);
same<Static<typeof DeleteUsersResponseSchema>, DeleteUsersResponse>(true);
same<Static<typeof AppResponseSchema>, GetAppResponse>(true);
same<Static<typeof ListDevicesResponseSchema>, ListDevicesResponse>(true);
same<Static<typeof TestPushResponseSchema>, TestPushResponse>(true);
same<Static<typeof ListDeliveriesResponseSchema>, ListDeliveriesResponse>(true);
same<Static<typeof RetryDeliveryResponseSchema>, RetryDeliveryResponse>(true);
same<Static<typeof ReplayEventsResponseSchema>, ReplayEventsResponse>(true);
same<Static<typeof ListClusterNodesResponseSchema>, ListClusterNodesResponse>(true);
