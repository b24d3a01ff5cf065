/**
 * The video product's app-wide endpoints: call types, call and member queries, and call handles.
 */
import type {
  CallTypeResponse,
  CreateCallTypeRequest,
  EmptyResponse,
  ListCallTypesResponse,
  UpdateCallTypeRequest,
} from '@switchboard/protocol/wire';
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

  /** `getCallType('livestream')` or `getCallType({ name: 'livestream' })`. */
  async getCallType(name: string | NamedCallType): Promise<CallTypeResponse> {
    return this.#http.get(path`/video/calltypes/${callTypeName(name, 'getCallType')}`);
  }

  createCallType(body: CreateCallTypeRequest): Promise<CallTypeResponse> {
    return this.#http.post('/video/calltypes', body);
  }

  /**
   * Changes a call type's grants, settings or notification settings. Both forms of the reference work:
   * `updateCallType('default', { grants })` and `updateCallType({ name: 'default', grants })`.
   *
   * @throws TypeError when the name is missing or not a string (before any request is sent).
   */
  updateCallType(name: string, body: UpdateCallTypeRequest): Promise<CallTypeResponse>;
  updateCallType(body: UpdateCallTypeRequest & NamedCallType): Promise<CallTypeResponse>;
  async updateCallType(
    nameOrBody: string | (UpdateCallTypeRequest & NamedCallType),
    body?: UpdateCallTypeRequest,
  ): Promise<CallTypeResponse> {
    const name = callTypeName(nameOrBody, 'updateCallType');
    let update: UpdateCallTypeRequest;
    if (typeof nameOrBody === 'string') {
      update = body ?? {};
    } else {
      const { name: _name, ...rest } = nameOrBody;
      update = rest;
    }
    return this.#http.put(path`/video/calltypes/${name}`, update);
  }

  /** Refused while calls of the type exist. `deleteCallType('webinar')` or `deleteCallType({ name: 'webinar' })`. */
  async deleteCallType(name: string | NamedCallType): Promise<EmptyResponse> {
    return this.#http.delete(path`/video/calltypes/${callTypeName(name, 'deleteCallType')}`);
  }
}

/** The object form of the call type methods' first argument. */
export interface NamedCallType {
  name: string;
}

function callTypeName(arg: string | NamedCallType | undefined, method: string): string {
  const name = typeof arg === 'string' ? arg : arg?.name;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `Switchboard: ${method} needs a call type name: ${method}('default', ...) or ${method}({ name })`,
    );
  }
  return name;
}
