/**
 * Type-level test: the SDK's request and response types and the types openapi-typescript generates from the served
 * OpenAPI document (openapi.generated.ts, kept current by packages/server/test/http/openapi-types.test.ts) are
 * assignable both ways, operation by operation. If the document or the SDK changes alone, this file stops compiling
 * (`npm run typecheck`, and the openapi-types test compiles it during `npm test`).
 */
import type {
  ActingUserRequest,
  BlockUserRequest,
  CallTypeResponse,
  CreateCallTypeRequest,
  DeleteCallRequest,
  DeleteCallResponse,
  DeleteUsersRequest,
  DeleteUsersResponse,
  EmptyResponse,
  GetCallResponse,
  GetOrCreateCallRequest,
  GetOrCreateCallResponse,
  GoLiveResponse,
  JoinCallRequest,
  JoinCallResponse,
  LeaveCallRequest,
  ListCallTypesResponse,
  ListClusterNodesResponse,
  PinRequest,
  QueryCallMembersRequest,
  QueryCallMembersResponse,
  QueryCallsRequest,
  QueryCallsResponse,
  QueryUsersResponse,
  RejectCallRequest,
  RingCallRequest,
  RingCallResponse,
  SendCallEventRequest,
  UpdateCallMembersRequest,
  UpdateCallMembersResponse,
  UpdateCallRequest,
  UpdateCallResponse,
  UpdateCallTypeRequest,
  UpdateUsersPartialRequest,
  UpsertUsersRequest,
  UsersResponse,
} from '../../src/index.js';
import type { operations } from './openapi.generated.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON request body of an operation in the document. */
type Body<K extends keyof operations> = Json<NonNullable<operations[K]['requestBody']>>;
/** The JSON body of an operation's success status in the document. */
type Ok<K extends keyof operations, S extends number = 200> =
  operations[K]['responses'] extends Record<S, infer R> ? Json<R> : never;

/** True when each of `A` and `B` is assignable to the other; a `false` here fails to compile. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function same<A, B>(ok: Mutual<A, B>): Mutual<A, B> {
  return ok;
}

/** Everything the SDK may send, the document allows (one way only). */
function fits<Sdk, Doc>(ok: [Sdk] extends [Doc] ? true : false): boolean {
  return ok;
}
/**
 * `sort[].direction` is the one known difference: the SDK types it `1 | -1`, the document an integer (the query
 * engine refuses other values with code 4, naming the field). The rest of those bodies must match both ways.
 */
type WithoutSort<T> = Omit<T, 'sort'>;

export const requests = [
  same<Body<'GetOrCreateCall'>, GetOrCreateCallRequest>(true),
  same<Body<'UpdateCall'>, UpdateCallRequest>(true),
  same<Body<'UpdateCallMembers'>, UpdateCallMembersRequest>(true),
  same<Body<'EndCall'>, ActingUserRequest>(true),
  same<Body<'DeleteCall'>, DeleteCallRequest>(true),
  same<Body<'JoinCall'>, JoinCallRequest>(true),
  same<Body<'LeaveCall'>, LeaveCallRequest>(true),
  same<Body<'Ring'>, RingCallRequest>(true),
  same<Body<'AcceptCall'>, ActingUserRequest>(true),
  same<Body<'RejectCall'>, RejectCallRequest>(true),
  same<Body<'SendCallEvent'>, SendCallEventRequest>(true),
  same<Body<'VideoPin'>, PinRequest>(true),
  same<Body<'VideoUnpin'>, PinRequest>(true),
  same<Body<'BlockUser'>, BlockUserRequest>(true),
  same<Body<'UnblockUser'>, BlockUserRequest>(true),
  same<Body<'GoLive'>, ActingUserRequest>(true),
  same<Body<'StopLive'>, ActingUserRequest>(true),
  same<Body<'CreateCallType'>, CreateCallTypeRequest>(true),
  same<Body<'UpdateCallType'>, UpdateCallTypeRequest>(true),
  same<WithoutSort<Body<'QueryCalls'>>, WithoutSort<QueryCallsRequest>>(true),
  fits<QueryCallsRequest, Body<'QueryCalls'>>(true),
  same<WithoutSort<Body<'QueryCallMembers'>>, WithoutSort<QueryCallMembersRequest>>(true),
  fits<QueryCallMembersRequest, Body<'QueryCallMembers'>>(true),
  same<Body<'UpsertUsers'>, UpsertUsersRequest>(true),
  same<Body<'UpdateUsersPartial'>, UpdateUsersPartialRequest>(true),
  same<Body<'DeleteUsers'>, DeleteUsersRequest>(true),
];

export const responses = [
  same<Ok<'GetOrCreateCall'>, GetOrCreateCallResponse>(true),
  same<Ok<'GetCall'>, GetCallResponse>(true),
  same<Ok<'UpdateCall'>, UpdateCallResponse>(true),
  same<Ok<'UpdateCallMembers'>, UpdateCallMembersResponse>(true),
  same<Ok<'EndCall'>, EmptyResponse>(true),
  same<Ok<'DeleteCall'>, DeleteCallResponse>(true),
  same<Ok<'JoinCall'>, JoinCallResponse>(true),
  same<Ok<'LeaveCall'>, EmptyResponse>(true),
  same<Ok<'Ring'>, RingCallResponse>(true),
  same<Ok<'AcceptCall'>, EmptyResponse>(true),
  same<Ok<'RejectCall'>, EmptyResponse>(true),
  same<Ok<'SendCallEvent'>, EmptyResponse>(true),
  same<Ok<'VideoPin'>, EmptyResponse>(true),
  same<Ok<'VideoUnpin'>, EmptyResponse>(true),
  same<Ok<'BlockUser'>, EmptyResponse>(true),
  same<Ok<'UnblockUser'>, EmptyResponse>(true),
  same<Ok<'GoLive'>, GoLiveResponse>(true),
  same<Ok<'StopLive'>, GoLiveResponse>(true),
  same<Ok<'ListCallTypes'>, ListCallTypesResponse>(true),
  same<Ok<'GetCallType'>, CallTypeResponse>(true),
  same<Ok<'CreateCallType', 201>, CallTypeResponse>(true),
  same<Ok<'UpdateCallType'>, CallTypeResponse>(true),
  same<Ok<'DeleteCallType'>, EmptyResponse>(true),
  same<Ok<'QueryCalls'>, QueryCallsResponse>(true),
  same<Ok<'QueryCallMembers'>, QueryCallMembersResponse>(true),
  same<Ok<'UpsertUsers'>, UsersResponse>(true),
  same<Ok<'UpdateUsersPartial'>, UsersResponse>(true),
  same<Ok<'QueryUsers'>, QueryUsersResponse>(true),
  same<Ok<'DeleteUsers'>, DeleteUsersResponse>(true),
  same<Ok<'ListClusterNodes'>, ListClusterNodesResponse>(true),
];
