/**
 * Request bodies (docs/api.md "Endpoints"). Unknown fields are allowed everywhere (clients send fields we do not model);
 * known fields are validated strictly.
 */
import { type Static, Type } from 'typebox';
import { ALL_CAPABILITIES } from './capabilities.js';
import { CALL_ID_PATTERN, CALL_TYPE_PATTERN, USER_ID_PATTERN } from './ids.js';
import { CallSettingsRequest, NotificationSettingsRequest } from './settings.js';

export const UserIdString = Type.String({ pattern: USER_ID_PATTERN, minLength: 1, maxLength: 255 });
export const CallIdString = Type.String({ pattern: CALL_ID_PATTERN, minLength: 1, maxLength: 64 });
export const CallTypeString = Type.String({ pattern: CALL_TYPE_PATTERN, minLength: 1, maxLength: 64 });
/**
 * Role names (global user roles, call member roles, call type grant keys): lowercase letters, digits, `_` and `-`.
 * `constructor` and `__proto__` fit that alphabet but name Object.prototype members: refused, so a role can never
 * resolve to something every object has.
 */
export const ROLE_PATTERN = '^(?!(?:constructor|__proto__)$)[a-z0-9_-]{1,64}$';
export const RoleString = Type.String({ pattern: ROLE_PATTERN, minLength: 1, maxLength: 64 });

/**
 * Marks a schema as `custom` data a client writes: the server's validator bounds its serialized size (a node
 * setting, so not a fixed `maxLength` here). An OpenAPI extension keyword, ignored by other tools.
 */
export const CUSTOM_DATA_KEYWORD = 'x-custom-data';
/** `custom` as a client writes it: any JSON object, at most the node's custom-size limit. */
export const CustomRequest = Type.Record(Type.String(), Type.Unknown(), { [CUSTOM_DATA_KEYWORD]: true });
const Timestamp = Type.String({ format: 'date-time' });

export const UserRequest = Type.Object({
  id: UserIdString,
  name: Type.Optional(Type.String({ maxLength: 1024 })),
  image: Type.Optional(Type.String({ maxLength: 4096 })),
  role: Type.Optional(RoleString),
  custom: Type.Optional(CustomRequest),
  teams: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })),
});
export type UserRequest = Static<typeof UserRequest>;

/**
 * The realtime handshake's `user_details`: the same field rules as a user upsert (one schema, so the two entry
 * points cannot drift), every field optional since the token names the user.
 */
export const ConnectUserDetails = Type.Partial(UserRequest);
export type ConnectUserDetails = Static<typeof ConnectUserDetails>;

export const MemberRequest = Type.Object({
  user_id: UserIdString,
  role: Type.Optional(RoleString),
  custom: Type.Optional(CustomRequest),
});
export type MemberRequest = Static<typeof MemberRequest>;

export const CallRequest = Type.Object({
  created_by_id: Type.Optional(UserIdString),
  created_by: Type.Optional(UserRequest),
  members: Type.Optional(Type.Array(MemberRequest, { maxItems: 100 })),
  custom: Type.Optional(CustomRequest),
  settings_override: Type.Optional(CallSettingsRequest),
  starts_at: Type.Optional(Timestamp),
  team: Type.Optional(Type.String({ maxLength: 255 })),
  video: Type.Optional(Type.Boolean()),
});
export type CallRequest = Static<typeof CallRequest>;

const MembersLimit = Type.Integer({ minimum: 0, maximum: 100 });

export const GetOrCreateCallRequest = Type.Object({
  data: Type.Optional(CallRequest),
  ring: Type.Optional(Type.Boolean()),
  notify: Type.Optional(Type.Boolean()),
  video: Type.Optional(Type.Boolean()),
  members_limit: Type.Optional(MembersLimit),
});
export type GetOrCreateCallRequest = Static<typeof GetOrCreateCallRequest>;

export const GetCallQuery = Type.Object({
  members_limit: Type.Optional(MembersLimit),
  ring: Type.Optional(Type.Boolean()),
  notify: Type.Optional(Type.Boolean()),
  video: Type.Optional(Type.Boolean()),
  connection_id: Type.Optional(Type.String({ maxLength: 128 })),
});
export type GetCallQuery = Static<typeof GetCallQuery>;

export const UpdateCallRequest = Type.Object({
  custom: Type.Optional(CustomRequest),
  settings_override: Type.Optional(CallSettingsRequest),
  starts_at: Type.Optional(Timestamp),
});
export type UpdateCallRequest = Static<typeof UpdateCallRequest>;

export const UpdateCallMembersRequest = Type.Object({
  update_members: Type.Optional(Type.Array(MemberRequest, { maxItems: 100 })),
  remove_members: Type.Optional(Type.Array(UserIdString, { maxItems: 100 })),
});
export type UpdateCallMembersRequest = Static<typeof UpdateCallMembersRequest>;

export const DeleteCallRequest = Type.Object({ hard: Type.Optional(Type.Boolean()) });
export type DeleteCallRequest = Static<typeof DeleteCallRequest>;

export const JoinCallRequest = Type.Object({
  location: Type.Optional(Type.String({ maxLength: 64 })),
  create: Type.Optional(Type.Boolean()),
  data: Type.Optional(CallRequest),
  ring: Type.Optional(Type.Boolean()),
  notify: Type.Optional(Type.Boolean()),
  video: Type.Optional(Type.Boolean()),
  members_limit: Type.Optional(MembersLimit),
  /** Server-side joins act for this user. */
  user_id: Type.Optional(UserIdString),
});
export type JoinCallRequest = Static<typeof JoinCallRequest>;

export const ConnectionQuery = Type.Object({ connection_id: Type.Optional(Type.String({ maxLength: 128 })) });

export const LeaveCallRequest = Type.Object({
  session_id: Type.Optional(Type.String({ maxLength: 128 })),
  user_id: Type.Optional(UserIdString),
});
export type LeaveCallRequest = Static<typeof LeaveCallRequest>;

export const RingCallRequest = Type.Object({
  members_ids: Type.Optional(Type.Array(UserIdString, { maxItems: 100 })),
  video: Type.Optional(Type.Boolean()),
  user_id: Type.Optional(UserIdString),
});
export type RingCallRequest = Static<typeof RingCallRequest>;

export const RejectCallRequest = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 256 })),
  user_id: Type.Optional(UserIdString),
});
export type RejectCallRequest = Static<typeof RejectCallRequest>;

export const ActingUserRequest = Type.Object({ user_id: Type.Optional(UserIdString) });
export type ActingUserRequest = Static<typeof ActingUserRequest>;

export const SendCallEventRequest = Type.Object({
  custom: CustomRequest,
  user_id: Type.Optional(UserIdString),
});
export type SendCallEventRequest = Static<typeof SendCallEventRequest>;

/**
 * `session_id` is the participant's `user_session_id`, one per joined connection (not the call's session id):
 * find it in GetCall's `call.session.participants[].user_session_id`, in JoinCall's answer, or in the
 * `participant` of `call.session_participant_joined`.
 */
export const PinRequest = Type.Object({
  session_id: Type.String({
    minLength: 1,
    maxLength: 128,
    description:
      "The participant's user_session_id (call.session.participants[].user_session_id), not the call's session id",
  }),
  user_id: UserIdString,
});
export type PinRequest = Static<typeof PinRequest>;

export const BlockUserRequest = Type.Object({ user_id: UserIdString });

/** `block: true` also blocks the user (needs `block-users` besides `kick-user`). */
export const KickUserRequest = Type.Object({ user_id: UserIdString, block: Type.Optional(Type.Boolean()) });
export type KickUserRequest = Static<typeof KickUserRequest>;

/**
 * Mutes `user_ids` (or every participant with `mute_all_users`) for everyone: the SFU stops forwarding the named
 * sources until their publisher unmutes. At least one source must be true.
 */
export const MuteUsersRequest = Type.Object({
  user_ids: Type.Optional(Type.Array(UserIdString, { maxItems: 100 })),
  mute_all_users: Type.Optional(Type.Boolean()),
  audio: Type.Optional(Type.Boolean()),
  video: Type.Optional(Type.Boolean()),
  screenshare: Type.Optional(Type.Boolean()),
  screenshare_audio: Type.Optional(Type.Boolean()),
  user_id: Type.Optional(UserIdString),
});
export type MuteUsersRequest = Static<typeof MuteUsersRequest>;
export type BlockUserRequest = Static<typeof BlockUserRequest>;

/** Keys are role names, so a key that is not a valid role name is refused (not ignored like unknown fields). */
export const GrantsRequest = Type.Record(
  RoleString,
  Type.Array(Type.Enum([...ALL_CAPABILITIES]), { maxItems: ALL_CAPABILITIES.length * 2 }),
  { additionalProperties: false },
);
export type GrantsRequest = Static<typeof GrantsRequest>;

export const CreateCallTypeRequest = Type.Object({
  name: CallTypeString,
  grants: Type.Optional(GrantsRequest),
  settings: Type.Optional(CallSettingsRequest),
  notification_settings: Type.Optional(NotificationSettingsRequest),
});
export type CreateCallTypeRequest = Static<typeof CreateCallTypeRequest>;

export const UpdateCallTypeRequest = Type.Object({
  grants: Type.Optional(GrantsRequest),
  settings: Type.Optional(CallSettingsRequest),
  notification_settings: Type.Optional(NotificationSettingsRequest),
});
export type UpdateCallTypeRequest = Static<typeof UpdateCallTypeRequest>;

export const UpsertUsersRequest = Type.Object({
  users: Type.Record(Type.String(), UserRequest, { maxProperties: 100 }),
});
export type UpsertUsersRequest = Static<typeof UpsertUsersRequest>;

export const UpdateUserPartialRequest = Type.Object({
  id: UserIdString,
  set: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String({ maxLength: 1024 })),
      image: Type.Optional(Type.String({ maxLength: 4096 })),
      role: Type.Optional(RoleString),
      custom: Type.Optional(CustomRequest),
      teams: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })),
    }),
  ),
  unset: Type.Optional(Type.Array(Type.Enum(['name', 'image', 'custom', 'teams']), { maxItems: 4 })),
});
export const UpdateUsersPartialRequest = Type.Object({
  users: Type.Array(UpdateUserPartialRequest, { minItems: 1, maxItems: 100 }),
});
export type UpdateUsersPartialRequest = Static<typeof UpdateUsersPartialRequest>;

export const DeleteUsersRequest = Type.Object({
  user_ids: Type.Array(UserIdString, { minItems: 1, maxItems: 100 }),
  /** `soft` marks users deleted (default); `hard` removes their rows and memberships. */
  user: Type.Optional(Type.Enum(['soft', 'hard'])),
});
export type DeleteUsersRequest = Static<typeof DeleteUsersRequest>;

/*
 * The query endpoints (QueryCalls, QueryCallMembers, QueryUsers). Their schemas fix only JSON types: the server's
 * query engine checks the rest (known fields and operators, sortable fields, directions, `limit` 1–100, at most 5
 * sort keys, cursors) and names the offending field in its input error, identically for every endpoint.
 */

/**
 * One sort key; `direction` 1 ascending (the default), -1 descending. Typed `number`, not `1 | -1`, so that a request
 * kept in a variable (`const req = { sort: [{ field: 'starts_at', direction: -1 }] }`, where TypeScript widens -1
 * to `number`) type-checks; the server refuses any other value with an input error naming the field.
 */
export const SortParam = Type.Object({
  field: Type.String(),
  direction: Type.Optional(Type.Integer()),
});
export type SortParam = Static<typeof SortParam>;

/** MongoDB-like filter, e.g. `{ starts_at: { $gt: '2030-01-01T00:00:00Z' }, backstage: false }`. */
export const FilterConditions = Type.Record(Type.String(), Type.Unknown());
export type FilterConditions = Static<typeof FilterConditions>;

const QueryPageFields = {
  filter_conditions: Type.Optional(FilterConditions),
  sort: Type.Optional(Type.Array(SortParam)),
  /** Default 25, maximum 100. */
  limit: Type.Optional(Type.Integer()),
  /** Opaque cursors from a previous page of the same query (same sort); pass one of them. */
  next: Type.Optional(Type.String()),
  prev: Type.Optional(Type.String()),
};

/** Cursor paging shared by the query endpoints. */
export const QueryPage = Type.Object(QueryPageFields);
export type QueryPage = Static<typeof QueryPage>;

/** POST /video/calls. Default order `created_at` descending. */
export const QueryCallsRequest = Type.Object({
  ...QueryPageFields,
  /** With a `connection_id` (body or query), subscribes that realtime connection to every returned call. */
  watch: Type.Optional(Type.Boolean()),
  connection_id: Type.Optional(Type.String({ maxLength: 128 })),
});
export type QueryCallsRequest = Static<typeof QueryCallsRequest>;

/** POST /video/call/members: members of the call `type`/`id`. Default order `created_at` ascending. */
export const QueryCallMembersRequest = Type.Object({
  type: CallTypeString,
  id: CallIdString,
  ...QueryPageFields,
});
export type QueryCallMembersRequest = Static<typeof QueryCallMembersRequest>;

/** GET /users?payload=<this as JSON>. Default order `created_at` ascending. */
export const QueryUsersPayload = Type.Object({
  ...QueryPageFields,
  /** Rows to skip (at most 10,000; not combined with `next` / `prev`, which are the better way to page). */
  offset: Type.Optional(Type.Integer()),
});
export type QueryUsersPayload = Static<typeof QueryUsersPayload>;
