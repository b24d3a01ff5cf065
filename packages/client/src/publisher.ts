/**
 * The publisher peer connection: the client's own tracks, sendonly. Each change (publish, unpublish) is one
 * offer → answer round with the SFU, one at a time; the offer lists every track published now (docs/sfu-protocol.md).
 * When the SFU refuses an offer (`publish_not_allowed`: the user lacks `send-video`, …) nothing changes on the
 * server, so the client rolls its own side back too: the refused tracks are not published and `publish` rejects.
 */
import type { IceCandidate, ServerAnswerMessage, TrackSource } from '@switchboard/protocol/sfu';
import { IceQueue, toWireCandidate } from './ice-queue.js';
import type { SfuSignaling } from './sfu-signaling.js';

interface Published {
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  muted: boolean;
}

export class Publisher {
  readonly #signaling: SfuSignaling;
  readonly #config: RTCConfiguration;
  #pc: RTCPeerConnection;
  #ice: IceQueue;
  readonly #published = new Map<TrackSource, Published>();
  /** One stream for camera + microphone and one for the screen, so receivers group audio with its video. */
  readonly #streams = { camera: new MediaStream(), screen: new MediaStream() };
  #negotiation: Promise<void> = Promise.resolve();

  constructor(signaling: SfuSignaling, config: RTCConfiguration) {
    this.#signaling = signaling;
    this.#config = config;
    [this.#pc, this.#ice] = this.#createPc();
  }

  get pc(): RTCPeerConnection {
    return this.#pc;
  }

  #createPc(): [RTCPeerConnection, IceQueue] {
    const pc = new RTCPeerConnection({ ...this.#config, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (event) => {
      if (pc !== this.#pc) return; // a connection replaced after a refused first offer
      this.#signaling.send({ type: 'ice', pc: 'publisher', candidate: toWireCandidate(event.candidate) });
    };
    return [pc, new IceQueue(pc)];
  }

  /** The local track published for `source`, if any. */
  track(source: TrackSource): MediaStreamTrack | undefined {
    return this.#published.get(source)?.track;
  }

  get sources(): TrackSource[] {
    return [...this.#published.keys()];
  }

  /** Publishes `track` as `source` (replacing what was published for it). Rejects when the SFU refuses. */
  publish(source: TrackSource, track: MediaStreamTrack): Promise<void> {
    return this.#enqueue(async () => {
      const current = this.#published.get(source);
      if (current) {
        await current.transceiver.sender.replaceTrack(track);
        current.track = track;
        return;
      }
      const stream =
        source === 'screenshare' || source === 'screenshare_audio' ? this.#streams.screen : this.#streams.camera;
      stream.addTrack(track);
      const transceiver = this.#pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      this.#published.set(source, { transceiver, track, muted: false });
      try {
        await this.#negotiate();
      } catch (err) {
        this.#published.delete(source);
        stream.removeTrack(track);
        // After a refused first offer the connection was replaced, and the transceiver went with the old one.
        if (this.#pc.getTransceivers().includes(transceiver)) transceiver.stop();
        throw err;
      }
    });
  }

  /** Stops publishing `source` (the track is stopped too). */
  unpublish(source: TrackSource): Promise<void> {
    return this.#enqueue(async () => {
      const current = this.#published.get(source);
      if (!current) return;
      this.#published.delete(source);
      current.track.stop();
      current.transceiver.stop();
      await this.#negotiate();
    });
  }

  /** Mutes locally (the browser sends silence / black) and records it for the next offer's `tracks`. */
  setMuted(source: TrackSource, muted: boolean): boolean {
    const current = this.#published.get(source);
    if (!current) return false;
    current.muted = muted;
    current.track.enabled = !muted;
    return true;
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    this.#ice.add(candidate);
  }

  close(): void {
    for (const { track } of this.#published.values()) track.stop();
    this.#published.clear();
    this.#pc.close();
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#negotiation.then(work);
    this.#negotiation = next.catch(() => {});
    return next;
  }

  async #negotiate(): Promise<void> {
    const offer = await this.#pc.createOffer();
    await this.#pc.setLocalDescription(offer);
    const tracks = [...this.#published].map(([source, p]) => ({
      mid: p.transceiver.mid ?? '',
      source,
      muted: p.muted,
    }));
    let answer: ServerAnswerMessage;
    try {
      answer = await this.#signaling.request<ServerAnswerMessage>(
        { type: 'offer', pc: 'publisher', sdp: this.#pc.localDescription?.sdp ?? '', tracks },
        'answer',
      );
    } catch (err) {
      if (!this.#pc.remoteDescription) {
        // Refused before anything was ever negotiated: start over on a fresh connection. (Rolling back and stopping
        // the refused transceiver leaves Chromium unable to offer a track of another kind on that connection.)
        this.#pc.close();
        [this.#pc, this.#ice] = this.#createPc();
      } else if (this.#pc.signalingState === 'have-local-offer') {
        await this.#pc.setLocalDescription({ type: 'rollback' });
      }
      throw err;
    }
    await this.#pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.#ice.flush();
  }
}
