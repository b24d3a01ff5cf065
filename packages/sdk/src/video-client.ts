/**
 * The video product's app-wide endpoints: call types, call and member queries, and call handles.
 */
import type {
  CallTypeResponse,
  CreateCallTypeRequest,
  EmptyResponse,
  ListCallTypesResponse,
  UpdateCallTypeRequest,
} from '@switchboard/protocol';
import { CallHandle } from './call.js';
import type { HttpClient } from './http-client.js';
import { path } from './path.js';
import type {
  ConnectionOptions,
  QueryCallMembersRequest,
  QueryCallMembersResponse,
  QueryCallsRequest,
  QueryCallsResponse,
} from './types.js';

/**
 * Reached as `client.video`; not constructed directly.
 *
 * @example
 * ```ts
 * await client.video.createCallType({ name: 'webinar', grants: { user: ['read-call', 'join-call'] } });
 * const { calls, next } = await client.video.queryCalls({ filter_conditions: { type: 'webinar' }, limit: 10 });
 * const call = client.video.call('webinar', 'launch');
 * ```
 */
export class VideoClient {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** A handle on one call; sends nothing until one of its methods is called. */
  call(type: string, id: string): CallHandle {
    return new CallHandle(this.#http, type, id);
  }

  /** Calls matching `filter_conditions`, newest first by default; page with `next` / `prev`. */
  queryCalls(body: QueryCallsRequest = {}, options: ConnectionOptions = {}): Promise<QueryCallsResponse> {
    return this.#http.post('/video/calls', body, { ...options });
  }

  /** Members of the call `type`/`id` in the body, oldest first by default. */
  queryCallMembers(body: QueryCallMembersRequest): Promise<QueryCallMembersResponse> {
    return this.#http.post('/video/call/members', body);
  }

  listCallTypes(): Promise<ListCallTypesResponse> {
    return this.#http.get('/video/calltypes');
  }

  async getCallType(name: string): Promise<CallTypeResponse> {
    return this.#http.get(path`/video/calltypes/${name}`);
  }

  createCallType(body: CreateCallTypeRequest): Promise<CallTypeResponse> {
    return this.#http.post('/video/calltypes', body);
  }

  async updateCallType(name: string, body: UpdateCallTypeRequest): Promise<CallTypeResponse> {
    return this.#http.put(path`/video/calltypes/${name}`, body);
  }

  /** Refused while calls of the type exist. */
  async deleteCallType(name: string): Promise<EmptyResponse> {
    return this.#http.delete(path`/video/calltypes/${name}`);
  }
}
