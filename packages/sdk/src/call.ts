/**
 * Operations on one call, addressed by type and id (docs/api.md "Endpoints", `/video/call/{type}/{id}/...`).
 */
import {
  type ActingUserRequest,
  type BlockUserRequest,
  type CallCid,
  type Custom,
  type DeleteCallRequest,
  type DeleteCallResponse,
  type EmptyResponse,
  type GetCallQuery,
  type GetCallResponse,
  type GetOrCreateCallRequest,
  type GetOrCreateCallResponse,
  type JoinCallRequest,
  type JoinCallResponse,
  type LeaveCallRequest,
  type PinRequest,
  type RejectCallRequest,
  type RingCallRequest,
  type RingCallResponse,
  type SendCallEventRequest,
  toCid,
  type UpdateCallMembersRequest,
  type UpdateCallMembersResponse,
  type UpdateCallRequest,
  type UpdateCallResponse,
} from '@switchboard/protocol/wire';
import type { HttpClient } from './http-client.js';
import { path } from './path.js';
import type {
  ConnectionOptions,
  EndCallRequest,
  GoLiveRequest,
  GoLiveResponse,
  QueryCallMembersRequest,
  QueryCallMembersResponse,
  StopLiveResponse,
} from './types.js';

/**
 * A handle on one call: a stateless address (`type`, `id`, `cid`) plus one method per call endpoint. Creating a
 * handle sends nothing; each method is one request. Named `CallHandle` because `Call` is the protocol's model of
 * a call (what `get()` returns in `call`), re-exported under that name.
 *
 * With a server token there is no implicit acting user: name it in the body (`data.created_by_id`, `user_id`)
 * where the endpoint needs one.
 *
 * @example
 * ```ts
 * const call = client.video.call('default', 'standup');
 * await call.getOrCreate({ data: { created_by_id: 'alice', members: [{ user_id: 'bob' }] } });
 * await call.sendCustomEvent({ type: 'wave' }); // or { custom: { type: 'wave' }, user_id: 'alice' }
 * await call.endCall();
 * ```
 */
export class CallHandle {
  readonly type: string;
  readonly id: string;
  /** `type:id`. */
  readonly cid: CallCid;
  readonly #http: HttpClient;
  readonly #base: string;

  /** @throws TypeError when `type` or `id` is empty, `.` or `..`. Prefer `client.video.call(type, id)`. */
  constructor(http: HttpClient, type: string, id: string) {
    this.#http = http;
    this.type = type;
    this.id = id;
    this.cid = toCid(type, id);
    this.#base = path`/video/call/${type}/${id}`;
  }

  /** Creates the call if it does not exist (`created: true`); an existing call is returned unchanged. */
  getOrCreate(body: GetOrCreateCallRequest = {}, options: ConnectionOptions = {}): Promise<GetOrCreateCallResponse> {
    return this.#http.post(this.#base, body, { ...options });
  }

  /** Same request as {@link CallHandle.getOrCreate}; the name reads better where the call is known to be new. */
  create(body: GetOrCreateCallRequest = {}, options: ConnectionOptions = {}): Promise<GetOrCreateCallResponse> {
    return this.getOrCreate(body, options);
  }

  get(query: GetCallQuery = {}): Promise<GetCallResponse> {
    return this.#http.get(this.#base, { ...query });
  }

  /** `custom` replaces the stored custom data; `settings_override` is deep-merged into the stored override. */
  update(body: UpdateCallRequest): Promise<UpdateCallResponse> {
    return this.#http.patch(this.#base, body);
  }

  updateCallMembers(body: UpdateCallMembersRequest): Promise<UpdateCallMembersResponse> {
    return this.#http.post(`${this.#base}/members`, body);
  }

  /** Members of this call, through POST /video/call/members. */
  queryMembers(body: Omit<QueryCallMembersRequest, 'type' | 'id'> = {}): Promise<QueryCallMembersResponse> {
    return this.#http.post('/video/call/members', { ...body, type: this.type, id: this.id });
  }

  endCall(body: EndCallRequest = {}): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/mark_ended`, body);
  }

  /** Soft delete by default (the call is hidden); `{ hard: true }` removes it so its id can be reused. */
  delete(body: DeleteCallRequest = {}): Promise<DeleteCallResponse> {
    return this.#http.post(`${this.#base}/delete`, body);
  }

  join(body: JoinCallRequest = {}, options: ConnectionOptions = {}): Promise<JoinCallResponse> {
    return this.#http.post(`${this.#base}/join`, body, { ...options });
  }

  /** Switchboard extension: leave without a media connection. */
  leave(body: LeaveCallRequest = {}): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/leave`, body);
  }

  ring(body: RingCallRequest = {}): Promise<RingCallResponse> {
    return this.#http.post(`${this.#base}/ring`, body);
  }

  accept(body: ActingUserRequest = {}): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/accept`, body);
  }

  reject(body: RejectCallRequest = {}): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/reject`, body);
  }

  /**
   * Sends a `custom` event to the call's watchers and members. Takes either the payload itself, as the client-side
   * method of the same name does (`{ type: 'draw', x: 10, y: 30 }`), or the wire body `{ custom, user_id? }`.
   * The wire body is recognised by its shape: an object whose only keys are `custom` (an object) and `user_id`.
   *
   * The event's `user` is the sender: with a user token the caller; with a server token the user named by
   * `user_id`, or the call's creator when none is named.
   */
  sendCustomEvent(event: SendCallEventRequest | Custom): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/event`, toSendCallEventRequest(event));
  }

  /**
   * Pins a participant's video for everyone (`call.pinned`). `session_id` is the participant's
   * `user_session_id`, one per joined connection, not the call's session id: read it from
   * `(await call.get()).call.session?.participants`, from the participant of `call.session_participant_joined`,
   * or from the `user_session_id` a participant's own JoinCall answer carries.
   *
   * @example
   * ```ts
   * const { call: state } = await call.get();
   * const p = state.session!.participants.find((x) => x.user.id === 'jack')!;
   * await call.pinVideo({ session_id: p.user_session_id, user_id: 'jack' });
   * ```
   */
  pinVideo(body: PinRequest): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/pin`, body);
  }

  /** Removes a pin set by {@link CallHandle.pinVideo}; same `session_id` (the participant's `user_session_id`). */
  unpinVideo(body: PinRequest): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/unpin`, body);
  }

  blockUser(body: BlockUserRequest): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/block`, body);
  }

  unblockUser(body: BlockUserRequest): Promise<EmptyResponse> {
    return this.#http.post(`${this.#base}/unblock`, body);
  }

  goLive(body: GoLiveRequest = {}): Promise<GoLiveResponse> {
    return this.#http.post(`${this.#base}/go_live`, body);
  }

  stopLive(body: GoLiveRequest = {}): Promise<StopLiveResponse> {
    return this.#http.post(`${this.#base}/stop_live`, body);
  }
}

/** `{ custom: {...}, user_id? }` is sent as is; anything else is the payload itself. */
function toSendCallEventRequest(event: SendCallEventRequest | Custom): SendCallEventRequest {
  const { custom, ...rest } = event;
  const isWireBody =
    typeof custom === 'object' &&
    custom !== null &&
    !Array.isArray(custom) &&
    Object.keys(rest).every((key) => key === 'user_id');
  return isWireBody ? (event as SendCallEventRequest) : { custom: event };
}
