/**
 * @switchboard/sdk — typed client for Switchboard.
 *
 * Layout:
 * - server side (this release): `SwitchboardClient` (app key + secret, server token) → `client.video` →
 *   `client.video.call(type, id)`. Transport is `http-client.ts` (global `fetch`), credentials come from an
 *   `AuthProvider` (`auth.ts`).
 * - client side: `SwitchboardVideoClient` (user token) under `src/realtime/`: the realtime connection (auth,
 *   health checks, reconnect with backoff that re-watches calls), `client.on(type, fn)`, and `client.call(type, id)`
 *   → `ClientCall`, which reuses `HttpClient` (user-token auth, browser path family) and `CallHandle` for REST.
 *
 * Naming: `CallHandle` is the SDK object you call methods on; `Call` is the protocol's data model of a call (as in
 * `GetCallResponse['call']`), re-exported unchanged so both packages mean the same thing by it.
 */
export { type AuthProvider, type RequestAuth, serverTokenAuth } from './auth.js';
export { CallHandle } from './call.js';
export { isApiErrorBody, NO_API_CODE, SwitchboardError, type SwitchboardErrorInit } from './errors.js';
export { HttpClient, type HttpClientOptions, type HttpMethod, type QueryParams } from './http-client.js';
export { type CallOwner, ClientCall, type ClientCallState } from './realtime/client-call.js';
export type {
  ConnectionChangedEvent,
  ConnectionRecoveredEvent,
  EventName,
  EventOf,
  Listener,
} from './realtime/listeners.js';
export type { ConnectionState, UserDetails, WebSocketConstructor } from './realtime/realtime-connection.js';
export {
  SwitchboardVideoClient,
  type SwitchboardVideoClientOptions,
} from './realtime/switchboard-video-client.js';
export {
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  SwitchboardClient,
  type SwitchboardClientOptions,
} from './switchboard-client.js';
export {
  type CallTokenOptions,
  CLOCK_SKEW_SECONDS,
  createCallToken,
  createServerToken,
  createUserToken,
  type UserTokenOptions,
} from './tokens.js';
export type * from './types.js';
export { type NamedCallType, VideoClient } from './video-client.js';
export { verifyWebhookSignature } from './webhooks.js';

import { OwnCapability } from '@switchboard/protocol';

/** Capabilities a user can have on a call (`own_capabilities`, call type `grants`). Same values as protocol's. */
export const VideoOwnCapability = OwnCapability;
export type VideoOwnCapability = OwnCapability;

export type {
  ActingUserRequest,
  APIErrorBody,
  BlockUserRequest,
  Call,
  CallCid,
  CallEvent,
  CallParticipant,
  CallRequest,
  CallResponse,
  CallSession,
  CallSettings,
  CallSettingsRequest,
  CallType,
  CallTypeResponse,
  ConnectionErrorEvent,
  ConnectionOkEvent,
  CreateCallTypeRequest,
  Custom,
  DeleteCallRequest,
  DeleteCallResponse,
  DeleteUsersRequest,
  DeleteUsersResponse,
  EmptyResponse,
  GetCallQuery,
  GetCallResponse,
  GetOrCreateCallRequest,
  GetOrCreateCallResponse,
  Grants,
  JoinCallRequest,
  JoinCallResponse,
  LeaveCallRequest,
  ListCallTypesResponse,
  Member,
  MemberRequest,
  NotificationSettings,
  NotificationSettingsRequest,
  PinRequest,
  QueryUsersPayload,
  QueryUsersResponse,
  RejectCallRequest,
  RingCallRequest,
  RingCallResponse,
  SendCallEventRequest,
  SortParam,
  UpdateCallMembersRequest,
  UpdateCallMembersResponse,
  UpdateCallRequest,
  UpdateCallResponse,
  UpdateCallTypeRequest,
  UpdateUsersPartialRequest,
  UpsertUsersRequest,
  User,
  UserRequest,
  UsersResponse,
  WithDuration,
} from '@switchboard/protocol';
export { CloseCode, ConnectionEventType, ErrorCode, EventType, toCid } from '@switchboard/protocol';
