/**
 * One call with media, in the browser. `join()` asks the coordinator (JoinCall over REST, which records the
 * participant and returns the SFU's address and a participant token), then joins the SFU over its signaling
 * socket; from there the SFU is the source of truth for who is in the call and what they send. Events: see
 * `MediaCallEvents`.
 *
 * @example
 * ```ts
 * const call = client.call('default', 'standup');
 * call.on('track.added', ({ participant, stream }) => { videoFor(participant.session_id).srcObject = stream; });
 * await call.join({ create: true });
 * await call.publishCamera();
 * await call.publishMicrophone();
 * ```
 */

import type {
  JoinedMessage,
  ParticipantInfo,
  PinInfo,
  SfuServerMessage,
  TrackInfo,
  TrackSource,
} from '@switchboard/protocol/sfu';
import type { ClientCall, JoinCallRequest, JoinCallResponse } from '@switchboard/sdk/client';
import { Emitter } from './emitter.js';
import { Publisher } from './publisher.js';
import { SfuSignaling } from './sfu-signaling.js';
import { type IncomingTrack, Subscriber } from './subscriber.js';
import type { MediaCallEvents, RemoteParticipant } from './types.js';

/** How long `leave()` waits for the SFU to close the socket before closing it itself. */
const LEAVE_TIMEOUT_MS = 2_000;

export type MediaCallState = 'idle' | 'joining' | 'joined' | 'closed';

interface Joined {
  signaling: SfuSignaling;
  publisher: Publisher;
  subscriber: Subscriber;
  sessionId: string;
  userId: string;
}

export class MediaCall {
  readonly rest: ClientCall;
  readonly #events = new Emitter<MediaCallEvents>();
  readonly #participants = new Map<string, RemoteParticipant>();
  #joined: Joined | undefined;
  #state: MediaCallState = 'idle';
  #pins: PinInfo[] = [];
  #canPublish: TrackSource[] = [];
  #closedBy: Promise<MediaCallEvents['closed']> | undefined;

  constructor(rest: ClientCall) {
    this.rest = rest;
  }

  get cid(): string {
    return this.rest.cid;
  }
  get state(): MediaCallState {
    return this.#state;
  }
  /** Our own `user_session_id` in the call (what others pin), once joined. */
  get sessionId(): string | undefined {
    return this.#joined?.sessionId;
  }
  /** The others, by session id. */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.#participants;
  }
  get pins(): readonly PinInfo[] {
    return this.#pins;
  }
  /** The sources the SFU lets us publish (from our capabilities: `send-audio`, `send-video`, `screenshare`). */
  get canPublish(): readonly TrackSource[] {
    return this.#canPublish;
  }
  /** The two peer connections, for `getStats()` and diagnostics. */
  get peerConnections(): { publisher?: RTCPeerConnection; subscriber?: RTCPeerConnection } {
    return { publisher: this.#joined?.publisher.pc, subscriber: this.#joined?.subscriber.pc };
  }

  on<K extends keyof MediaCallEvents>(name: K, listener: (event: MediaCallEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /**
   * Joins the call: JoinCall over REST (`create: true` creates the call first), then the SFU. Rejects with the
   * API's `SwitchboardError` when the coordinator refuses, or a `MediaError` when the SFU does (e.g. `call_ended`).
   */
  async join(request: JoinCallRequest = {}): Promise<JoinCallResponse> {
    if (this.#state !== 'idle') throw new Error(`Switchboard: join() in state ${this.#state}`);
    this.#state = 'joining';
    try {
      const response = await this.rest.join(request);
      const { credentials } = response;
      const config: RTCConfiguration = { iceServers: credentials.ice_servers as RTCIceServer[] };
      let resolveClosed: (event: MediaCallEvents['closed']) => void = () => {};
      this.#closedBy = new Promise((resolve) => {
        resolveClosed = resolve;
      });
      const [signaling, joined] = await SfuSignaling.join(credentials.server.ws_endpoint, credentials.token, {
        onMessage: (message) => this.#onMessage(message),
        onClose: (code, reason) => {
          this.#teardown();
          const event = { code, reason };
          resolveClosed(event);
          this.#events.emit('closed', event);
        },
      });
      const subscriber = new Subscriber(signaling, config, (incoming) => this.#onTrack(incoming));
      const publisher = new Publisher(signaling, config);
      this.#joined = { signaling, publisher, subscriber, sessionId: joined.session_id, userId: joined.user_id };
      this.#state = 'joined';
      this.#applyJoined(joined);
      return response;
    } catch (err) {
      this.#teardown();
      throw err;
    }
  }

  /** Publishes the camera (or the given video track). Rejects with `publish_not_allowed` without `send-video`. */
  async publishCamera(track?: MediaStreamTrack): Promise<MediaStreamTrack> {
    const video = track ?? (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks()[0];
    return this.#publish('video', video);
  }

  /** Publishes the microphone (or the given audio track). Rejects with `publish_not_allowed` without `send-audio`. */
  async publishMicrophone(track?: MediaStreamTrack): Promise<MediaStreamTrack> {
    const audio = track ?? (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0];
    return this.#publish('audio', audio);
  }

  /** Shares the screen (asks the browser which one). Needs `screenshare`. */
  async publishScreen(): Promise<MediaStreamTrack> {
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    return this.#publish('screenshare', screen.getVideoTracks()[0]);
  }

  /** Stops publishing a source. */
  async unpublish(source: TrackSource): Promise<void> {
    await this.#require().publisher.unpublish(source);
  }

  /** Our own published track for a source (to show a self view). */
  localTrack(source: TrackSource): MediaStreamTrack | undefined {
    return this.#joined?.publisher.track(source);
  }

  /** Mutes or unmutes one of our sources for everyone (the SFU stops forwarding it while muted). */
  setMuted(source: TrackSource, muted: boolean): void {
    const joined = this.#require();
    if (!joined.publisher.setMuted(source, muted)) throw new Error(`Switchboard: ${source} is not published`);
    joined.signaling.send({ type: 'mute', source, muted });
  }

  /** Pins a participant for everyone (needs `pin-for-everyone`); every participant gets `pins.changed`. */
  async pin(participant: { session_id: string; user_id: string }): Promise<void> {
    await this.rest.pinVideo({ session_id: participant.session_id, user_id: participant.user_id });
  }

  async unpin(participant: { session_id: string; user_id: string }): Promise<void> {
    await this.rest.unpinVideo({ session_id: participant.session_id, user_id: participant.user_id });
  }

  /** Leaves the call: tells the SFU, waits for it to close the connection (bounded), and stops our tracks. */
  async leave(): Promise<void> {
    const joined = this.#joined;
    if (!joined || !this.#closedBy) return;
    joined.signaling.send({ type: 'leave' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, LEAVE_TIMEOUT_MS);
    });
    await Promise.race([this.#closedBy, timeout]);
    clearTimeout(timer);
    joined.signaling.close();
    this.#teardown();
  }

  #require(): Joined {
    if (!this.#joined || this.#state !== 'joined') throw new Error('Switchboard: join the call first');
    return this.#joined;
  }

  async #publish(source: TrackSource, track: MediaStreamTrack | undefined): Promise<MediaStreamTrack> {
    if (!track) throw new Error(`Switchboard: no ${source} track to publish`);
    const joined = this.#require();
    try {
      await joined.publisher.publish(source, track);
    } catch (err) {
      track.stop();
      throw err;
    }
    return track;
  }

  #applyJoined(joined: JoinedMessage): void {
    this.#canPublish = joined.can_publish;
    for (const info of joined.participants) this.#addParticipant(info);
    this.#pins = joined.pins;
    this.#events.emit('pins.changed', { pins: this.#pins });
  }

  #onMessage(message: SfuServerMessage): void {
    const joined = this.#joined;
    switch (message.type) {
      case 'offer':
        joined?.subscriber.onOffer(message).catch((err: unknown) => {
          this.#events.emit('error', { code: 'sdp_invalid', message: String(err) });
        });
        return;
      case 'ice':
        if (message.pc === 'publisher') joined?.publisher.addRemoteCandidate(message.candidate);
        else joined?.subscriber.addRemoteCandidate(message.candidate);
        return;
      case 'participant_joined':
        this.#addParticipant(message.participant);
        return;
      case 'participant_left': {
        const participant = this.#participants.get(message.session_id);
        if (!participant) return;
        this.#participants.delete(message.session_id);
        for (const track of [...participant.stream.getTracks(), ...participant.screen.getTracks()]) track.stop();
        this.#events.emit('participant.left', { participant, reason: message.reason });
        return;
      }
      case 'track_published': {
        const participant = this.#participants.get(message.session_id);
        participant?.tracks.set(message.track.source, { track_id: message.track.track_id, muted: message.track.muted });
        return;
      }
      case 'track_unpublished': {
        const participant = this.#participants.get(message.session_id);
        const entry = participant?.tracks.get(message.source);
        if (!participant || !entry) return;
        participant.tracks.delete(message.source);
        if (entry.track) {
          participant.stream.removeTrack(entry.track);
          participant.screen.removeTrack(entry.track);
        }
        this.#events.emit('track.removed', { participant, source: message.source });
        return;
      }
      case 'track_muted':
        this.#onMuted(message.session_id, message.user_id, message.source, message.muted, message.by_user_id);
        return;
      case 'pins':
        this.#pins = message.pins;
        this.#events.emit('pins.changed', { pins: this.#pins });
        return;
      case 'error':
        this.#events.emit('error', { code: message.code, message: message.message });
        return;
      default:
        return;
    }
  }

  #onMuted(sessionId: string, userId: string, source: TrackSource, muted: boolean, by?: string): void {
    const local = sessionId === this.#joined?.sessionId;
    if (local) {
      // A moderator muted us: mirror it locally, so our UI and our sender agree with what others receive.
      this.#joined?.publisher.setMuted(source, muted);
    } else {
      const entry = this.#participants.get(sessionId)?.tracks.get(source);
      if (entry) entry.muted = muted;
    }
    this.#events.emit('track.muted', { session_id: sessionId, user_id: userId, source, muted, by_user_id: by, local });
  }

  #addParticipant(info: ParticipantInfo): RemoteParticipant {
    const known = this.#participants.get(info.session_id);
    if (known) return known;
    const participant: RemoteParticipant = {
      session_id: info.session_id,
      user_id: info.user_id,
      name: info.name,
      image: info.image,
      stream: new MediaStream(),
      screen: new MediaStream(),
      tracks: new Map(info.tracks.map((t: TrackInfo) => [t.source, { track_id: t.track_id, muted: t.muted }])),
    };
    this.#participants.set(info.session_id, participant);
    this.#events.emit('participant.joined', { participant });
    return participant;
  }

  #onTrack({ info, track }: IncomingTrack): void {
    // The subscriber offer can name a participant whose `participant_joined` is still on its way.
    const participant = this.#addParticipant({ session_id: info.session_id, user_id: info.user_id, tracks: [] });
    const stream =
      info.source === 'screenshare' || info.source === 'screenshare_audio' ? participant.screen : participant.stream;
    const entry = participant.tracks.get(info.source);
    if (entry?.track) stream.removeTrack(entry.track);
    participant.tracks.set(info.source, { track_id: info.track_id, muted: entry?.muted ?? false, track });
    stream.addTrack(track);
    this.#events.emit('track.added', { participant, source: info.source, track, stream });
  }

  #teardown(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#joined?.publisher.close();
    this.#joined?.subscriber.close();
    this.#joined?.signaling.close();
  }
}
