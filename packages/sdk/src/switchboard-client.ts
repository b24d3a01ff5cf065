/**
 * The server-side entry point: holds the app's key and secret, mints tokens, and reaches every endpoint with a
 * server token (which acts as the app and has every capability).
 */
import type {
  AppSettings,
  CreateDeviceRequest,
  DeleteUsersRequest,
  DeleteUsersResponse,
  Device,
  EmptyResponse,
  ListClusterNodesResponse,
  ListDeliveriesQuery,
  ListDeliveriesResponse,
  ListDevicesResponse,
  QueryUsersPayload,
  QueryUsersResponse,
  ReplayEventsRequest,
  ReplayEventsResponse,
  RetryDeliveryResponse,
  TestPushRequest,
  TestPushResponse,
  UpdateAppRequest,
  UpdateUsersPartialRequest,
  UpsertUsersRequest,
  UserRequest,
  UsersResponse,
} from '@switchboard/protocol/wire';
import type { CallHandle } from './call.js';
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from './defaults.js';
import { HttpClient } from './http-client.js';
import { serverTokenAuth } from './server-auth.js';
import { type CallTokenOptions, createCallToken, createUserToken, type UserTokenOptions } from './tokens.js';
import { VideoClient } from './video-client.js';
import { verifyWebhookSignature } from './webhooks.js';

export { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS };

export interface SwitchboardClientOptions {
  /** Origin of the Switchboard server (API paths are appended under `/api/v2`). Default {@link DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** Per-request timeout in milliseconds; a request that takes longer rejects with code -1, status 0. */
  timeoutMs?: number;
}

/**
 * Server-side client. Keep it on your backend: it holds the app secret.
 *
 * Token methods are async (signing uses WebCrypto through jose, which is promise-based in every runtime).
 *
 * @example
 * ```ts
 * const client = new SwitchboardClient(process.env.SB_KEY!, process.env.SB_SECRET!, {
 *   baseUrl: 'https://calls.example.com',
 * });
 * await client.upsertUsers([{ id: 'alice', name: 'Alice' }]);
 * const token = await client.generateUserToken({ user_id: 'alice', validity_in_seconds: 3600 });
 * const { call } = await client.video.call('default', 'standup').getOrCreate({ data: { created_by_id: 'alice' } });
 * ```
 */
export class SwitchboardClient {
  /** Video endpoints: call types, queries and `call(type, id)` handles. */
  readonly video: VideoClient;
  readonly #secret: string;
  readonly #http: HttpClient;

  constructor(apiKey: string, secret: string, options: SwitchboardClientOptions = {}) {
    if (!secret) throw new TypeError('Switchboard: secret must be a non-empty string');
    const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#secret = secret;
    this.#http = new HttpClient({
      apiUrl: `${baseUrl}/api/v2`,
      apiKey,
      auth: serverTokenAuth(secret),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    this.video = new VideoClient(this.#http);
  }

  /** The same handle as `client.video.call(type, id)`: the reference page writes both. */
  call(type: string, id: string): CallHandle {
    return this.video.call(type, id);
  }

  /**
   * A token for `user_id` to hand to a client app. `iat` defaults to a few seconds ago (clock skew); `exp` is
   * `exp` if given, else `iat` (or now) + `validity_in_seconds`, else absent (the token does not expire).
   */
  generateUserToken(options: UserTokenOptions): Promise<string> {
    return createUserToken(this.#secret, options);
  }

  /** A user token valid only for the calls in `call_cids` (e.g. `call.cid`). */
  generateCallToken(options: CallTokenOptions): Promise<string> {
    return createCallToken(this.#secret, options);
  }

  /** Creates or replaces users (at most 100). A repeated id keeps its last entry. Answers a map by user id. */
  upsertUsers(users: UserRequest[]): Promise<UsersResponse> {
    // Object.fromEntries defines own properties (the last of a repeated id wins): assigning to a plain object would
    // turn the user id `__proto__` into a prototype and drop that user from the request.
    const byId: UpsertUsersRequest['users'] = Object.fromEntries(users.map((user) => [user.id, user]));
    return this.#http.post('/users', { users: byId } satisfies UpsertUsersRequest);
  }

  /** Sets and unsets individual fields of existing users. */
  updateUsersPartial(body: UpdateUsersPartialRequest): Promise<UsersResponse> {
    return this.#http.patch('/users', body);
  }

  /** Users matching `filter_conditions` (default: all users), sent as the URL-encoded `payload` query parameter. */
  queryUsers(payload: QueryUsersPayload = {}): Promise<QueryUsersResponse> {
    const body: QueryUsersPayload = { ...payload, filter_conditions: payload.filter_conditions ?? {} };
    return this.#http.get('/users', { payload: JSON.stringify(body) });
  }

  /** Soft-deletes users by default; `user: 'hard'` removes their rows and memberships. */
  deleteUsers(body: DeleteUsersRequest): Promise<DeleteUsersResponse> {
    return this.#http.post('/users/delete', body);
  }

  /**
   * Registers a push device for `user_id` (`id` is the push token; Web Push: the subscription JSON). Registering
   * the same token again is idempotent; a user's 26th device replaces their oldest.
   *
   * @example
   * ```ts
   * await client.createDevice({ id: apnsVoipToken, push_provider: 'apn', voip_token: true, user_id: 'bob' });
   * ```
   */
  createDevice(body: CreateDeviceRequest & { user_id: string }): Promise<{ device: Device; duration: string }> {
    return this.#http.post('/devices', body);
  }

  /** A user's push devices, oldest first. */
  listDevices(userId: string): Promise<ListDevicesResponse> {
    return this.#http.get('/devices', { user_id: userId });
  }

  /** Removes one of a user's push devices (404 when the user has no such device). */
  deleteDevice(id: string, userId: string): Promise<EmptyResponse> {
    return this.#http.delete('/devices', { id, user_id: userId });
  }

  /** Renders and sends a push to every device of `user_id` now, answering what each push service said. */
  testPush(body: TestPushRequest): Promise<TestPushResponse> {
    return this.#http.post('/push/test', body);
  }

  /** The app's settings: `webhook_url`, `event_hooks` and `push_providers` (secrets masked). */
  getApp(): Promise<{ app: AppSettings; duration: string }> {
    return this.#http.get('/app');
  }

  /**
   * Sets `webhook_url` (empty string clears it) and/or replaces `event_hooks` (hooks sent with an id keep it)
   * and/or `push_providers` (a secret sent back masked keeps the stored one).
   */
  updateApp(body: UpdateAppRequest): Promise<{ app: AppSettings; duration: string }> {
    return this.#http.patch('/app', body);
  }

  /**
   * The live nodes of the cluster (one on a single node): id, public URL, version, start and last heartbeat,
   * connections, owned participants, media load, draining (Switchboard extension).
   */
  listClusterNodes(): Promise<ListClusterNodesResponse> {
    return this.#http.get('/cluster/nodes');
  }

  /** Webhook deliveries, newest first, filterable by hook, status and call (Switchboard extension). */
  listWebhookDeliveries(query: ListDeliveriesQuery = {}): Promise<ListDeliveriesResponse> {
    return this.#http.get('/webhooks/deliveries', { ...query });
  }

  /** Sends a dead-lettered delivery again, on a fresh retry schedule. */
  retryWebhookDelivery(id: string): Promise<RetryDeliveryResponse> {
    return this.#http.post(`/webhooks/deliveries/${encodeURIComponent(id)}/retry`);
  }

  /** Queues the retained events of a time range (optionally one call / some types) to one hook again. */
  replayWebhookEvents(body: ReplayEventsRequest): Promise<ReplayEventsResponse> {
    return this.#http.post('/webhooks/replay', body);
  }

  /**
   * Whether a webhook really comes from this app's Switchboard: checks `X-Signature` against the raw body with
   * the app secret, in constant time. Pass the body exactly as received, before JSON parsing.
   *
   * @example
   * ```ts
   * if (!(await client.verifyWebhook(rawBody, req.headers['x-signature']))) return res.writeHead(401).end();
   * ```
   */
  verifyWebhook(rawBody: string | Uint8Array, signature: string | null | undefined): Promise<boolean> {
    return verifyWebhookSignature(this.#secret, rawBody, signature);
  }
}
