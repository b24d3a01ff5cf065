/** Response bodies (docs/api.md "Endpoints"). Every body also carries `duration`. */
import type { Call, CallType, Member, User } from './models.js';

export interface WithDuration {
  duration: string;
}
export interface CallResponse {
  call: Call;
  members: Member[];
  own_capabilities: string[];
  /** Switchboard extension: the caller's membership, when the caller is a member. */
  membership?: Member;
}
export interface GetOrCreateCallResponse extends CallResponse, WithDuration {
  created: boolean;
}
export interface GetCallResponse extends CallResponse, WithDuration {}
export interface UpdateCallResponse extends CallResponse, WithDuration {}
export interface UpdateCallMembersResponse extends WithDuration {
  members: Member[];
}
export interface DeleteCallResponse extends WithDuration {
  call: Call;
}
export interface JoinCallResponse extends CallResponse, WithDuration {
  created: boolean;
  credentials: {
    server: { url: string; ws_endpoint: string; edge_name: string };
    token: string;
    ice_servers: unknown[];
  };
  stats_options: { enable_rtc_stats: boolean; reporting_interval_ms: number };
}
export interface ListCallTypesResponse extends WithDuration {
  call_types: Record<string, CallType>;
}
export type CallTypeResponse = CallType & WithDuration;
export interface UsersResponse extends WithDuration {
  users: Record<string, User>;
}
/** Cursors of a query page: `next` is absent on the last page, `prev` on the first. */
export interface QueryPageCursors {
  next?: string;
  prev?: string;
}
export interface QueryUsersResponse extends WithDuration, QueryPageCursors {
  users: User[];
}
export interface QueryCallsResponse extends WithDuration, QueryPageCursors {
  calls: CallResponse[];
}
export interface QueryCallMembersResponse extends WithDuration, QueryPageCursors {
  members: Member[];
}
export interface DeleteUsersResponse extends WithDuration {
  deleted_user_ids: string[];
}
export interface RingCallResponse extends WithDuration {
  members_ids: string[];
}
export type EmptyResponse = WithDuration;
