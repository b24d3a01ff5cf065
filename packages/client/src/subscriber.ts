/**
 * The subscriber peer connection: everyone else's tracks, recvonly, offered and renegotiated by the SFU whenever
 * tracks come or go. Each offer maps its m-lines (`mid`) to the participant and source they carry; the browser's
 * `track` event is matched to that map, so a remote track is always known by who sends it and what it is.
 */
import type { IceCandidate, ServerOfferMessage, SubscribedTrack } from '@switchboard/protocol/sfu';
import { IceQueue, toWireCandidate } from './ice-queue.js';
import type { SfuSignaling } from './sfu-signaling.js';

export interface IncomingTrack {
  info: SubscribedTrack;
  track: MediaStreamTrack;
}

export class Subscriber {
  readonly pc: RTCPeerConnection;
  readonly #signaling: SfuSignaling;
  readonly #ice: IceQueue;
  /** What each live m-line carries; replaced by every offer (the SFU never reuses an m-line). */
  #byMid = new Map<string, SubscribedTrack>();
  #negotiation: Promise<void> = Promise.resolve();

  constructor(signaling: SfuSignaling, config: RTCConfiguration, onTrack: (incoming: IncomingTrack) => void) {
    this.#signaling = signaling;
    this.pc = new RTCPeerConnection({ ...config, bundlePolicy: 'max-bundle' });
    this.#ice = new IceQueue(this.pc);
    this.pc.onicecandidate = (event) => {
      signaling.send({ type: 'ice', pc: 'subscriber', candidate: toWireCandidate(event.candidate) });
    };
    this.pc.ontrack = (event) => {
      const info = event.transceiver.mid === null ? undefined : this.#byMid.get(event.transceiver.mid);
      if (info) onTrack({ info, track: event.track });
    };
  }

  /** Applies the SFU's (re)offer and answers it. Offers are applied one at a time, in the order they came. */
  onOffer(message: ServerOfferMessage): Promise<void> {
    const next = this.#negotiation.then(async () => {
      this.#byMid = new Map(message.tracks.map((t) => [t.mid, t]));
      await this.pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      this.#ice.flush();
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.#signaling.send({ type: 'answer', pc: 'subscriber', sdp: this.pc.localDescription?.sdp ?? '' });
    });
    this.#negotiation = next.catch(() => {});
    return next;
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    this.#ice.add(candidate);
  }

  close(): void {
    this.pc.close();
  }
}
