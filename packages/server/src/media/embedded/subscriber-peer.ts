/**
 * A participant's subscriber connection: the SFU offers everyone else's tracks, one `sendonly` transceiver per
 * forwarded track (one stream per publisher, so the browser groups a publisher's audio and video), and renegotiates
 * the same connection whenever tracks come or go. One negotiation at a time: changes made while an offer is out are
 * offered together once the answer is in.
 *
 * Key frames: a subscriber's first frame needs one, and the publisher's encoder may send none by itself. The down-
 * track's sender asks when it becomes ready (first negotiation, DTLS coming up); werift does not fire that for
 * transceivers added by renegotiation, so those ask once the answer is applied.
 */
import type { ServerOfferMessage, SubscribedTrack } from '@switchboard/protocol/sfu';
import {
  MediaStream,
  type RTCIceCandidateInit,
  RTCPeerConnection,
  type RTCPeerConnectionConfig,
  type RTCRtpTransceiver,
  SessionDescription,
} from 'werift';
import { CandidateGate, type CandidateRules } from './candidate-gate.js';
import type { PublishedTrack } from './published-track.js';
import { addRemoteCandidate } from './remote-candidate.js';
import { filterCandidates, parseRemoteDescription } from './remote-description.js';

interface DownTrack {
  track: PublishedTrack;
  info: Omit<SubscribedTrack, 'mid'>;
  transceiver: RTCRtpTransceiver;
}

export class SubscriberPeer {
  private pc: RTCPeerConnection | undefined;
  /** track_id → its down-track on this connection. */
  private readonly downs = new Map<string, DownTrack>();
  private negotiating = false;
  private dirty = false;
  private scheduled = false;
  private answerTimer: NodeJS.Timeout | undefined;
  /** Video tracks added in the negotiation in flight: they get a key frame once its answer is applied. */
  private awaitingKeyFrame: PublishedTrack[] = [];
  private closed = false;
  private readonly candidates: CandidateGate;
  /** m-sections of the offer in flight (its answer must have as many). */
  private offeredSections = 0;

  constructor(
    private readonly subscriberKey: string,
    private readonly config: RTCPeerConnectionConfig,
    private readonly answerTimeoutMs: number,
    candidateRules: CandidateRules,
    private readonly sendOffer: (offer: ServerOfferMessage) => void,
    private readonly onFailed: (why: string) => void,
  ) {
    this.candidates = new CandidateGate(candidateRules);
  }

  get trackCount(): number {
    return this.downs.size;
  }

  add(track: PublishedTrack, owner: { session_id: string; user_id: string }): void {
    if (this.closed || this.downs.has(track.trackId)) return;
    const pc = this.connection();
    const transceiver = pc.addTransceiver(track.kind, {
      direction: 'sendonly',
      streams: [new MediaStream({ id: owner.session_id })],
    });
    track.addDownTrack(this.subscriberKey, transceiver.sender);
    if (track.kind === 'video') {
      transceiver.sender.onReady.subscribe(() => track.requestKeyFrame());
      this.awaitingKeyFrame.push(track);
    }
    this.downs.set(track.trackId, {
      track,
      info: { ...owner, track_id: track.trackId, source: track.source },
      transceiver,
    });
    this.schedule();
  }

  remove(trackId: string): void {
    const down = this.downs.get(trackId);
    if (!down || this.closed) return;
    this.downs.delete(trackId);
    down.track.removeDownTrack(this.subscriberKey);
    this.pc?.removeTrack(down.transceiver.sender);
    this.schedule();
  }

  async applyAnswer(sdp: string): Promise<void> {
    if (!this.pc || !this.negotiating) throw new Error('no subscriber offer is waiting for an answer');
    // An answer has exactly the offer's m-sections: werift would make a transceiver for any extra one.
    const offered = this.offeredSections;
    const answer = parseRemoteDescription(sdp, 'answer', { maxMediaSections: offered });
    if (answer.media.length !== offered) {
      throw new Error(`the offer had ${offered} m-sections, the answer has ${answer.media.length}`);
    }
    filterCandidates(answer, (c) => this.candidates.keepsInSdp(c));
    if (this.answerTimer) clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    await this.pc.setRemoteDescription(answer.toSdp());
    this.negotiating = false;
    const waiting = this.awaitingKeyFrame;
    this.awaitingKeyFrame = [];
    for (const t of waiting) if (this.downs.has(t.trackId)) t.requestKeyFrame();
    if (this.dirty) this.schedule();
  }

  /** Returns false when the candidate was over the connection's cap (it is dropped). */
  async addIceCandidate(candidate: RTCIceCandidateInit | null): Promise<boolean> {
    if (!this.pc || this.closed) return true;
    return addRemoteCandidate(this.pc, this.candidates, candidate);
  }

  close(): void {
    this.closed = true;
    if (this.answerTimer) clearTimeout(this.answerTimer);
    for (const down of this.downs.values()) down.track.removeDownTrack(this.subscriberKey);
    this.downs.clear();
    this.pc?.close().catch(() => {
      // Closing a half-open connection can fail inside werift; it is gone either way.
    });
  }

  /** Batches the changes of one tick (a publisher's audio and video) into one offer. */
  private schedule(): void {
    if (this.negotiating) {
      this.dirty = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.negotiate().catch((err: unknown) => this.onFailed(`subscriber offer failed: ${(err as Error).message}`));
    });
  }

  private async negotiate(): Promise<void> {
    if (this.closed || this.negotiating || !this.pc) return;
    this.negotiating = true;
    this.dirty = false;
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    if (this.closed) return;
    this.offeredSections = SessionDescription.parse(pc.localDescription?.sdp ?? '').media.length;
    const tracks: SubscribedTrack[] = [];
    for (const d of this.downs.values()) if (d.transceiver.mid) tracks.push({ mid: d.transceiver.mid, ...d.info });
    this.answerTimer = setTimeout(
      () => this.onFailed(`no answer to the subscriber offer within ${this.answerTimeoutMs} ms`),
      this.answerTimeoutMs,
    );
    this.answerTimer.unref();
    this.sendOffer({ v: 1, type: 'offer', pc: 'subscriber', sdp: pc.localDescription?.sdp ?? '', tracks });
  }

  private connection(): RTCPeerConnection {
    if (this.pc) return this.pc;
    const pc = new RTCPeerConnection(this.config);
    pc.connectionStateChange.subscribe((state) => {
      if (!this.closed && (state === 'failed' || state === 'closed')) this.onFailed(`subscriber connection ${state}`);
    });
    this.pc = pc;
    return pc;
  }
}
