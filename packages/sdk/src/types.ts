/**
 * Wire types the SDK needs that `@switchboard/protocol` does not (yet) define. Shapes follow API.md "Endpoints";
 * if protocol gains an equivalent, alias it here so SDK users keep their imports.
 */
import type { ActingUserRequest, Call, CallResponse, Member, SortParam, WithDuration } from '@switchboard/protocol';

/** Filter conditions in the MongoDB-like query language, e.g. `{ ended_at: { $exists: false } }`. */
export type FilterConditions = Record<string, unknown>;

/** Cursor paging shared by the query endpoints; `next` / `prev` are opaque cursors from a previous response. */
export interface QueryPage {
  filter_conditions?: FilterConditions;
  sort?: SortParam[];
  /** Default 25, maximum 100. */
  limit?: number;
  next?: string;
  prev?: string;
}

/** POST /video/calls. */
export interface QueryCallsRequest extends QueryPage {
  /** With a `connection_id`, subscribe that realtime connection to every returned call. */
  watch?: boolean;
}

export interface QueryCallsResponse extends WithDuration {
  calls: CallResponse[];
  next?: string;
  prev?: string;
}

/** POST /video/call/members. */
export interface QueryCallMembersRequest extends QueryPage {
  type: string;
  id: string;
}

export interface QueryCallMembersResponse extends WithDuration {
  members: Member[];
  next?: string;
  prev?: string;
}

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
