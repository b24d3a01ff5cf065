/**
 * Wire types the SDK needs that `@switchboard/protocol` does not (yet) define. Shapes follow docs/api.md "Endpoints";
 * if protocol gains an equivalent, alias it here so SDK users keep their imports.
 */
import type { ActingUserRequest, Call, WithDuration } from '@switchboard/protocol/wire';

// The query endpoints' wire types live in protocol; re-exported here so SDK users keep importing them from us.
export type {
  ClusterNode,
  ClusterNodeMedia,
  FilterConditions,
  ListClusterNodesResponse,
  QueryCallMembersRequest,
  QueryCallMembersResponse,
  QueryCallsRequest,
  QueryCallsResponse,
  QueryPage,
  QueryPageCursors,
} from '@switchboard/protocol/wire';

/** Body of POST .../go_live and .../stop_live (`{}`; a server token may name the acting user). */
export type GoLiveRequest = ActingUserRequest;

/** Answer of POST .../go_live and .../stop_live. */
export interface GoLiveResponse extends WithDuration {
  call: Call;
}
export type StopLiveResponse = GoLiveResponse;

/** Body of POST .../mark_ended (`{}`; a server token may name the acting user). */
export type EndCallRequest = ActingUserRequest;

/**
 * Query parameters of the endpoints that can subscribe a realtime connection to a call (GetOrCreateCall, JoinCall,
 * QueryCalls). Server-side callers normally have no connection and leave this out.
 */
export interface ConnectionOptions {
  connection_id?: string;
}
