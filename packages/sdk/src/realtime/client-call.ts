/**
 * A call as a connected user sees it: REST operations that pass the realtime connection id (so the connection
 * watches the call), the latest known state, and this call's events.
 */
import type {
  Call,
  CallCid,
  CallEvent,
  CallResponse,
  Custom,
  EmptyResponse,
  GetCallQuery,
  GetCallResponse,
  GetOrCreateCallRequest,
  GetOrCreateCallResponse,
  JoinCallRequest,
  JoinCallResponse,
  LeaveCallRequest,
  Member,
  PinRequest,
  RingCallRequest,
  RingCallResponse,
} from '@switchboard/protocol/wire';
import { CallHandle } from '../call.js';
import type { HttpClient } from '../http-client.js';
import type { EventName, Listener, Listeners } from './listeners.js';

/** What a call needs from its client. */
export interface CallOwner {
  readonly http: HttpClient;
  readonly listeners: Listeners;
  /** The connection id to pass, waiting for a connect in progress; undefined when not connected. */
  connectionId(): Promise<string | undefined>;
  /** Remember to re-watch this call after a reconnect. */
  watched(call: ClientCall): void;
}

export interface ClientCallState {
  call: Call | undefined;
  members: Member[];
  own_capabilities: string[];
}

/**
 * Reached through `client.call(type, id)`.
 *
 * @example
 * ```ts
 * const call = client.call('default', 'standup');
 * call.on('call.session_participant_joined', (e) => console.log(e.participant.user.id, 'joined'));
 * await call.join({ create: true });
 * ```
 */
export class ClientCall {
  readonly type: string;
  readonly id: string;
  readonly cid: CallCid;
  /** The latest call seen in a response or an event; members and capabilities from the latest response. */
  readonly state: ClientCallState = { call: undefined, members: [], own_capabilities: [] };
  readonly #owner: CallOwner;
  readonly #rest: CallHandle;
  /** Joined over the realtime connection and not left: a reconnect joins again. */
  #joined = false;

  constructor(owner: CallOwner, type: string, id: string) {
    this.#owner = owner;
    this.#rest = new CallHandle(owner.http, type, id);
    this.type = type;
    this.id = id;
    this.cid = this.#rest.cid;
  }

  /** Creates the call if needed and watches it. `ring: true` rings the other members. */
  async getOrCreate(body: GetOrCreateCallRequest = {}): Promise<GetOrCreateCallResponse> {
    const response = await this.#rest.getOrCreate(body, await this.#connection());
    return this.#remember(response);
  }

  /** Reads the call and watches it. */
  async get(query: Omit<GetCallQuery, 'connection_id'> = {}): Promise<GetCallResponse> {
    const response = await this.#rest.get({ ...query, ...(await this.#connection()) });
    return this.#remember(response);
  }

  /** Joins (starting the session if needed) over the realtime connection, and watches the call. */
  async join(body: JoinCallRequest = {}): Promise<JoinCallResponse> {
    const connection = await this.#connection();
    const response = await this.#rest.join(body, connection);
    if (connection.connection_id !== undefined) this.#joined = true;
    return this.#remember(response);
  }

  /** Whether a reconnect joins this call again (joined over the realtime connection and not left since). */
  get joined(): boolean {
    return this.#joined;
  }

  async leave(body: LeaveCallRequest = {}): Promise<EmptyResponse> {
    this.#joined = false;
    return this.#rest.leave(body);
  }

  /** Pins a participant's video for everyone in the call (needs `pin-for-everyone`). */
  pinVideo(body: PinRequest): Promise<EmptyResponse> {
    return this.#rest.pinVideo(body);
  }

  unpinVideo(body: PinRequest): Promise<EmptyResponse> {
    return this.#rest.unpinVideo(body);
  }

  accept(): Promise<EmptyResponse> {
    return this.#rest.accept();
  }

  reject(reason?: string): Promise<EmptyResponse> {
    return this.#rest.reject(reason === undefined ? {} : { reason });
  }

  ring(body: RingCallRequest = {}): Promise<RingCallResponse> {
    return this.#rest.ring(body);
  }

  sendCustomEvent(custom: Custom): Promise<EmptyResponse> {
    return this.#rest.sendCustomEvent({ custom });
  }

  /** Listens to this call's events only; returns the unsubscribe function. */
  on<T extends EventName>(name: T, listener: Listener<T>): () => void {
    return this.#owner.listeners.on(name, ((event: { call_cid?: string }) => {
      if (event.call_cid === this.cid) (listener as (e: unknown) => void)(event);
    }) as Listener<T>);
  }

  /** @internal The client feeds every event of this call here to keep `state.call` current. */
  applyEvent(event: CallEvent): void {
    this.state.call = event.call;
  }

  /**
   * @internal Re-watches the call over a new connection (after a reconnect), and joins it again when it was joined.
   * The watch comes first: it takes the participation over from the closed connection (within the server's presence
   * grace), so the join that follows finds it on this connection and answers it unchanged, with no leave or join
   * event. After the grace it is a fresh join.
   */
  async rewatch(): Promise<void> {
    await this.get({ members_limit: 0 });
    if (!this.#joined) return;
    const response = await this.#rest.join({}, await this.#connection());
    this.#remember(response);
  }

  async #connection(): Promise<{ connection_id?: string }> {
    const connectionId = await this.#owner.connectionId();
    if (connectionId === undefined) return {};
    this.#owner.watched(this);
    return { connection_id: connectionId };
  }

  #remember<T extends CallResponse>(response: T): T {
    this.state.call = response.call;
    if (response.members.length > 0 || this.state.members.length === 0) this.state.members = response.members;
    this.state.own_capabilities = response.own_capabilities;
    return response;
  }
}
