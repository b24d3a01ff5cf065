/**
 * What the OpenAPI document says about each operation beyond its request schema: a summary, a description (the
 * behaviour a client must know), the success status and body, and the error statuses it can answer with.
 * route-docs.ts merges these into the route schemas by operationId, so the route files stay "parse, call, answer".
 */
import { type TSchema, Type } from 'typebox';
import {
  AppResponseSchema,
  CallOnlyResponseSchema,
  CallResponseSchema,
  CallTypeResponseSchema,
  DeleteCallResponseSchema,
  DeleteUsersResponseSchema,
  DemoTokenResponseSchema,
  DeviceResponseSchema,
  EmptyResponseSchema,
  GetOrCreateCallResponseSchema,
  HealthResponseSchema,
  JoinCallResponseSchema,
  ListCallTypesResponseSchema,
  ListClusterNodesResponseSchema,
  ListDeliveriesResponseSchema,
  ListDevicesResponseSchema,
  QueryCallMembersResponseSchema,
  QueryCallsResponseSchema,
  QueryUsersResponseSchema,
  ReadinessResponseSchema,
  ReplayEventsResponseSchema,
  RetryDeliveryResponseSchema,
  RingCallResponseSchema,
  TestPushResponseSchema,
  UpdateCallMembersResponseSchema,
  UsersResponseSchema,
} from './response-schemas.js';

export interface OperationDoc {
  summary: string;
  description: string;
  /** The success status (200 unless the operation creates something named by the client). */
  status?: 200 | 201;
  response: TSchema;
  /** Error statuses beyond the ones every authenticated operation can answer with (see `errorStatuses`). */
  notFound?: boolean;
  /** Public routes (no api_key or token) answer with no API error, except the ones listed in `publicErrors`. */
  public?: boolean;
  /** Non-error statuses besides the success one, with their bodies (readiness answers 503 with its report). */
  otherResponses?: Record<number, TSchema>;
  publicErrors?: Record<number, string>;
}

const CONNECTION =
  " With `connection_id` (a realtime connection of the same user) the connection starts receiving the call's events.";
const ACTING_USER = ' A server token names the acting user in `user_id`; a user token acts as its own user.';

export const OPERATIONS: Record<string, OperationDoc> = {
  GetOrCreateCall: {
    summary: 'Get or create a call',
    description:
      'Creates the call if it does not exist (then `created` is true) and returns it either way. `ring: true` rings ' +
      'the members (`call.ring` to their connections, push when offline); `notify: true` sends `call.notification`.' +
      CONNECTION,
    response: GetOrCreateCallResponseSchema,
    notFound: true,
  },
  GetCall: {
    summary: 'Get a call',
    description: `Returns the call, its members (up to \`members_limit\`) and the caller's capabilities.${CONNECTION}`,
    response: CallResponseSchema,
    notFound: true,
  },
  UpdateCall: {
    summary: 'Update a call',
    description: "Changes `custom`, `starts_at` and `settings_override` (deep-merged over the call type's settings).",
    response: CallResponseSchema,
    notFound: true,
  },
  UpdateCallMembers: {
    summary: 'Add, update or remove members',
    description: '`update_members` adds or changes members (role, custom); `remove_members` removes them by user id.',
    response: UpdateCallMembersResponseSchema,
    notFound: true,
  },
  EndCall: {
    summary: 'End a call',
    description: `Marks the call ended: its session ends, participants are dropped and \`call.ended\` is sent.${ACTING_USER}`,
    response: EmptyResponseSchema,
    notFound: true,
  },
  DeleteCall: {
    summary: 'Delete a call',
    description: 'Soft-deletes the call (`hard: true` removes it with its members and sessions); sends `call.deleted`.',
    response: DeleteCallResponseSchema,
    notFound: true,
  },
  JoinCall: {
    summary: 'Join a call',
    description:
      "Adds the acting user to the call's session (media-less joins are allowed) and returns the media server " +
      'credentials. `create: true` creates the call first.' +
      ACTING_USER +
      CONNECTION,
    response: JoinCallResponseSchema,
    notFound: true,
  },
  LeaveCall: {
    summary: 'Leave a call',
    description: "Removes the acting user's session participant (`session_id`: the `user_session_id` of the join).",
    response: EmptyResponseSchema,
    notFound: true,
  },
  Ring: {
    summary: 'Ring the members',
    description: "Rings the call's members (or `members_ids`) who are not the caller; answers with who was rung.",
    response: RingCallResponseSchema,
    notFound: true,
  },
  AcceptCall: {
    summary: 'Accept a ringing call',
    description: `Records the acting user's acceptance and sends \`call.accepted\`.${ACTING_USER}`,
    response: EmptyResponseSchema,
    notFound: true,
  },
  RejectCall: {
    summary: 'Reject a ringing call',
    description: `Records the rejection (with an optional \`reason\`) and sends \`call.rejected\`.${ACTING_USER}`,
    response: EmptyResponseSchema,
    notFound: true,
  },
  SendCallEvent: {
    summary: 'Send a custom event',
    description: `Delivers \`custom\` to everyone watching the call as a \`custom\` event.${ACTING_USER}`,
    response: EmptyResponseSchema,
    notFound: true,
  },
  VideoPin: {
    summary: 'Pin a participant for everyone',
    description:
      "Pins a participant's video: `session_id` is the participant's `user_session_id` (from JoinCall or the " +
      '`call.session_participant_joined` event), `user_id` its user. Sends `call.pinned`.',
    response: EmptyResponseSchema,
    notFound: true,
  },
  VideoUnpin: {
    summary: 'Unpin a participant',
    description: 'Removes a pin made with VideoPin (same `session_id` and `user_id`); sends `call.unpinned`.',
    response: EmptyResponseSchema,
    notFound: true,
  },
  BlockUser: {
    summary: 'Block a user from the call',
    description: 'The user can no longer join or watch the call; sends `call.blocked_user`.',
    response: EmptyResponseSchema,
    notFound: true,
  },
  UnblockUser: {
    summary: 'Unblock a user',
    description: 'Lifts a block made with BlockUser; sends `call.unblocked_user`.',
    response: EmptyResponseSchema,
    notFound: true,
  },
  KickUser: {
    summary: 'Kick a user out of the call',
    description:
      'Removes the user from the call session now (needs `kick-user`): sends `call.kicked_user`, then ' +
      '`call.session_participant_left` for each of their participations, and closes their media connections. ' +
      'They may join again unless `block: true` also blocked them (needs `block-users` too; sends ' +
      '`call.blocked_user`).',
    response: EmptyResponseSchema,
    notFound: true,
  },
  MuteUsers: {
    summary: 'Mute participants for everyone',
    description:
      'Stops forwarding the named sources (`audio`, `video`, `screenshare`, `screenshare_audio`; at least one true) ' +
      'of `user_ids`, or of every participant but the caller with `mute_all_users` (needs `mute-users`); sends ' +
      '`call.user_muted`, and the SFU tells every participant, the muted ones included. The mute lasts until the ' +
      `publisher unmutes.${ACTING_USER}`,
    response: EmptyResponseSchema,
    notFound: true,
  },
  GoLive: {
    summary: 'Leave backstage',
    description: `Ends backstage mode so everyone may join; sends \`call.live_started\`.${ACTING_USER}`,
    response: CallOnlyResponseSchema,
    notFound: true,
  },
  StopLive: {
    summary: 'Go back to backstage',
    description: `Puts the call back in backstage mode; sends \`call.updated\`.${ACTING_USER}`,
    response: CallOnlyResponseSchema,
    notFound: true,
  },
  ListCallTypes: {
    summary: 'List call types',
    description: 'Every call type with its grants and settings (server tokens only).',
    response: ListCallTypesResponseSchema,
  },
  GetCallType: {
    summary: 'Get a call type',
    description: 'One call type with its grants and settings (server tokens only).',
    response: CallTypeResponseSchema,
    notFound: true,
  },
  CreateCallType: {
    summary: 'Create a call type',
    description:
      'Creates a call type (server tokens only). `grants` maps role names to capabilities; answers 201 with the ' +
      'call type as stored.',
    status: 201,
    response: CallTypeResponseSchema,
  },
  UpdateCallType: {
    summary: 'Update a call type',
    description: 'Replaces the grants of the roles named and deep-merges `settings` (server tokens only).',
    response: CallTypeResponseSchema,
    notFound: true,
  },
  DeleteCallType: {
    summary: 'Delete a call type',
    description: 'Deletes a call type no call uses (server tokens only).',
    response: EmptyResponseSchema,
    notFound: true,
  },
  QueryCalls: {
    summary: 'Query calls',
    description:
      'Filters (MongoDB-style operators), sorts and pages the calls the caller may see; `next`/`prev` are opaque ' +
      'cursors.' +
      CONNECTION,
    response: QueryCallsResponseSchema,
  },
  QueryCallMembers: {
    summary: 'Query the members of a call',
    description: 'Filters, sorts and pages the members of the call named by `type` and `id`.',
    response: QueryCallMembersResponseSchema,
    notFound: true,
  },
  UpsertUsers: {
    summary: 'Create or replace users',
    description: 'Writes each user in `users` (keyed by id) as given (server tokens only).',
    response: UsersResponseSchema,
  },
  UpdateUsersPartial: {
    summary: 'Update users partially',
    description: 'Sets (`set`) and removes (`unset`) fields of existing users.',
    response: UsersResponseSchema,
  },
  QueryUsers: {
    summary: 'Query users',
    description: 'The query is JSON in the `payload` query parameter: `filter_conditions`, `sort`, `limit`, cursors.',
    response: QueryUsersResponseSchema,
  },
  Health: {
    summary: 'Liveness',
    description: 'Answers while the node serves requests; no authentication.',
    response: HealthResponseSchema,
    public: true,
  },
  ListClusterNodes: {
    summary: 'List the nodes of the cluster (Switchboard extension)',
    description:
      'Every live node (one on a single node) with its id, public URL, version, start time, last heartbeat, ' +
      'realtime connections, owned participants, media load and whether it drains: what each node wrote into its ' +
      '`cluster_nodes` row on its last heartbeat (every third of `SWITCHBOARD_NODE_TTL_MS`). A node that stopped ' +
      'beating is listed until a peer reaps it after the TTL. Server tokens only.',
    response: ListClusterNodesResponseSchema,
  },
  Readiness: {
    summary: 'Readiness',
    description:
      'Whether a load balancer should send this node work: 200 when its database (and, in a cluster, Redis) ' +
      'answer; 503 with the same body when one does not or the node is draining after SIGTERM. No authentication.',
    response: ReadinessResponseSchema,
    otherResponses: { 503: ReadinessResponseSchema },
    public: true,
  },
  GetBrowserClient: {
    summary: 'The browser client',
    description:
      '`@switchboard/client` bundled as one ES module, for pages without a build step: ' +
      "`import { SwitchboardMediaClient } from '/client/switchboard-client.js'`. No authentication.",
    response: Type.Unsafe<string>({
      description: 'An ES module.',
      content: { 'text/javascript; charset=utf-8': { schema: { type: 'string' } } },
    }),
    public: true,
  },
  GetLandingPage: {
    summary: 'Landing page',
    description: 'A small HTML page linking the demo, this document and the guides. No authentication.',
    response: Type.Unsafe<string>({
      description: 'An HTML page.',
      content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } },
    }),
    public: true,
  },
  GetGuide: {
    summary: 'A guide',
    description:
      'One page of the documentation (`README.md` is the table of contents), as markdown. No authentication.',
    response: Type.Unsafe<string>({
      description: 'A markdown page.',
      content: { 'text/markdown; charset=utf-8': { schema: { type: 'string' } } },
    }),
    public: true,
    publicErrors: { 404: 'No guide of that name (code 16).' },
  },
  GetDemoPage: {
    summary: 'Demo call page',
    description: 'Pick a user and a call, join it with camera and microphone, see the others. No authentication.',
    response: Type.Unsafe<string>({
      description: 'An HTML page.',
      content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } },
    }),
    public: true,
  },
  MintDemoToken: {
    summary: 'A user token for the demo page',
    description:
      'Mints a one-hour user token for any `user_id`, for the demo page. Refused (code 17) unless ' +
      'SWITCHBOARD_DEMO_TOKENS allows it: by default (`auto`) only on a node that generated its dev credentials ' +
      'on this start, runs on SQLite and listens on a loopback address. At most 30 per minute per client IP.',
    response: DemoTokenResponseSchema,
    public: true,
    publicErrors: {
      400: 'Invalid input (code 4): `user_id` missing or not a valid user id.',
      403: 'Demo tokens are off on this node (code 17).',
      413: 'The body is larger than the limit (code 4).',
      415: 'The body is not JSON (code 4).',
      429: 'More than 30 demo tokens asked for from this IP within a minute (code 9).',
    },
  },
  GetOpenAPIDocument: {
    summary: 'This document',
    description: 'The OpenAPI document of this node; no authentication.',
    response: Type.Object({}, { description: 'An OpenAPI 3.1 document.' }),
    public: true,
  },
  Metrics: {
    summary: 'Prometheus metrics',
    description:
      'Request durations by operation and status (`switchboard_http_request_duration_seconds`) and process ' +
      'metrics, in the Prometheus text format; no authentication.',
    response: Type.Unsafe<string>({
      description: 'Prometheus text exposition format.',
      content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
    }),
    public: true,
  },
  DeleteUsers: {
    summary: 'Delete users',
    description: 'Deletes the users in `user_ids` (soft by default; server tokens only).',
    response: DeleteUsersResponseSchema,
    notFound: true,
  },
  GetApp: {
    summary: 'Get app settings',
    description:
      'The app-wide `webhook_url`, the `event_hooks` that receive events and the `push_providers` (secrets masked). Server tokens only.',
    response: AppResponseSchema,
  },
  UpdateApp: {
    summary: 'Update app settings',
    description:
      'Sets `webhook_url` (every event; an empty string clears it) and/or replaces `event_hooks` (hooks sent with ' +
      'their `id` keep it) and/or `push_providers` (a secret sent back masked, or left out, keeps the stored one ' +
      'of that name). URLs must be http or https, on public addresses unless the operator allow-lists a range ' +
      '(SWITCHBOARD_OUTBOUND_ALLOW_PRIVATE). Server tokens only.',
    response: AppResponseSchema,
  },
  CreateDevice: {
    summary: 'Register a push device',
    description:
      '`id` is the push token (`apn`: hex; `firebase`: the registration token; `webpush`: the subscription JSON). ' +
      'A Web Push endpoint must be https on a public address (not loopback, private, link-local or mapped). ' +
      '`voip_token: true` marks an iOS PushKit token (rings reach it as VoIP pushes). Registering the same token ' +
      "again is idempotent; a user's 26th device replaces their oldest. A token of another user moves only with a " +
      'server token.' +
      ACTING_USER,
    status: 201,
    response: DeviceResponseSchema,
  },
  ListDevices: {
    summary: "List a user's push devices",
    description: `The user's devices, oldest first.${ACTING_USER}`,
    response: ListDevicesResponseSchema,
  },
  DeleteDevice: {
    summary: 'Remove a push device',
    description: `Removes the device \`id\` of the user (another user's device answers 404).${ACTING_USER}`,
    response: EmptyResponseSchema,
    notFound: true,
  },
  TestPush: {
    summary: 'Send a test push (Switchboard extension)',
    description:
      "Renders the call type's template for `event_type` (default `call.ring`; over `call_cid`, or a placeholder " +
      'call of type `default`) and sends it now to every device of `user_id`, answering what each push service ' +
      'said. Dead tokens are removed. Server tokens only.',
    response: TestPushResponseSchema,
    notFound: true,
  },
  ListWebhookDeliveries: {
    summary: 'List webhook deliveries (Switchboard extension)',
    description:
      'Deliveries newest first with status, attempts, last status code or error and next attempt time, ' +
      "filterable by `hook_id`, `status` and `call_cid`; page with `before` = the previous page's `next`. " +
      'Server tokens only.',
    response: ListDeliveriesResponseSchema,
  },
  RetryWebhookDelivery: {
    summary: 'Retry a dead-lettered webhook delivery (Switchboard extension)',
    description: 'Sends a dead-lettered delivery again on a fresh retry schedule. Server tokens only.',
    response: RetryDeliveryResponseSchema,
    notFound: true,
  },
  ReplayWebhookEvents: {
    summary: 'Replay events to a hook (Switchboard extension)',
    description:
      'Queues every retained event committed between `from` and `to` (optionally of one `call_cid` and some ' +
      '`event_types`) to the hook `hook_id` again, with the same X-Webhook-Id as before. Server tokens only.',
    response: ReplayEventsResponseSchema,
    notFound: true,
  },
};

/** Error statuses an authenticated operation can answer with, and what each means. */
export function errorStatuses(doc: OperationDoc, hasBody: boolean): Record<number, string> {
  if (doc.public) return doc.publicErrors ?? {};
  const statuses: Record<number, string> = {
    400: 'Invalid input (code 4); `exception_fields` names the offending field.',
    401: 'Missing or invalid api_key (code 2) or token (codes 5, 40, 43).',
    403: 'The caller lacks the capability (code 17).',
    429: 'Too many requests (code 9).',
    500: 'Internal error (code -1); nothing internal is revealed.',
    503: 'A database statement ran past the statement timeout (code 23); safe to retry.',
  };
  if (doc.notFound) statuses[404] = 'The call, call type or user does not exist (code 16).';
  if (hasBody) {
    statuses[413] = 'The body is larger than the limit (code 4).';
    statuses[415] = 'The body is not JSON (code 4).';
  }
  return statuses;
}
