/**
 * `@switchboard/sdk/client` — the client side only, for browsers: a user token, the realtime connection
 * (`SwitchboardVideoClient`), calls it watches (`ClientCall`), errors, event and wire types and constants.
 *
 * It must stay free of server-only code: no token signing (jose) and no protocol schemas (TypeBox). Everything here
 * imports `@switchboard/protocol/wire`, never the protocol's main entry; `test/client-bundle.test.ts` bundles this
 * file for the browser and fails when either leaks in. The main entry (`@switchboard/sdk`) re-exports all of this
 * plus the server side.
 */
export type { AuthProvider, RequestAuth } from './auth.js';
export { CallHandle } from './call.js';
export { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from './defaults.js';
export { isApiErrorBody, NO_API_CODE, SwitchboardError, type SwitchboardErrorInit } from './errors.js';
export { HttpClient, type HttpClientOptions, type HttpMethod, type QueryParams } from './http-client.js';
export { type CallOwner, ClientCall, type ClientCallState } from './realtime/client-call.js';
export type {
  ConnectionChangedEvent,
  ConnectionRecoveredEvent,
  ConnectionRewatchFailedEvent,
  EventName,
  EventOf,
  Listener,
} from './realtime/listeners.js';
export type { ConnectionState, UserDetails, WebSocketConstructor } from './realtime/realtime-connection.js';
export {
  SwitchboardVideoClient,
  type SwitchboardVideoClientOptions,
} from './realtime/switchboard-video-client.js';
export type * from './types.js';

import { OwnCapability } from '@switchboard/protocol/wire';

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
} from '@switchboard/protocol/wire';
export { CloseCode, ConnectionEventType, ErrorCode, EventType, toCid } from '@switchboard/protocol/wire';
