/**
 * The browser client's entry point: a user (with a user token) connected to Switchboard through the SDK's client
 * side, and the calls that user joins with media. One `MediaCall` per call id, like the SDK's `ClientCall`.
 *
 * @example
 * ```ts
 * import { SwitchboardMediaClient } from '/client/switchboard-client.js';
 * const client = new SwitchboardMediaClient({ apiKey, user: { id: 'alice' }, token, baseUrl: location.origin });
 * await client.connect();
 * const call = client.call('default', 'standup');
 * await call.join({ create: true });
 * await call.publishCamera();
 * ```
 */
import { SwitchboardVideoClient, type SwitchboardVideoClientOptions } from '@switchboard/sdk/client';
import { MediaCall } from './media-call.js';

export type SwitchboardMediaClientOptions = SwitchboardVideoClientOptions;

export class SwitchboardMediaClient {
  /** The realtime client underneath: call events (`call.*`), REST calls, the connection. */
  readonly video: SwitchboardVideoClient;
  readonly #calls = new Map<string, MediaCall>();

  constructor(options: SwitchboardMediaClientOptions) {
    this.video = new SwitchboardVideoClient(options);
  }

  /** Opens the realtime connection (the user's events; JoinCall then watches the call over it). */
  connect(): ReturnType<SwitchboardVideoClient['connect']> {
    return this.video.connect();
  }

  /** The same `MediaCall` for the same call. */
  call(type: string, id: string): MediaCall {
    const cid = `${type}:${id}`;
    let call = this.#calls.get(cid);
    if (!call || call.state === 'closed') {
      call = new MediaCall(this.video.call(type, id));
      this.#calls.set(cid, call);
    }
    return call;
  }

  /** Leaves every joined call and closes the realtime connection. */
  async disconnect(): Promise<void> {
    await Promise.all([...this.#calls.values()].map((call) => call.leave()));
    this.#calls.clear();
    this.video.disconnect();
  }
}
