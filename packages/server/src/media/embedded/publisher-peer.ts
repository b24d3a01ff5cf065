/**
 * A participant's publisher connection: the client offers what it sends, the SFU answers. The offer is parsed once,
 * by werift's parser, and that parsed offer is what werift negotiates; before it does, every sending m-section must
 * be declared in `tracks` with a source of its kind, and every declared source must be one the coordinator allows
 * now (`send-audio`, `send-video`, `screenshare`): an offer failing either is refused whole and changes nothing, so
 * an undeclared or forbidden track never reaches anyone. Its candidates pass the connection's candidate gate.
 */
import {
  type PublishedTrackDeclaration,
  SfuErrorCode,
  SourceCapability,
  SourceKind,
  type TrackSource,
} from '@switchboard/protocol/sfu';
import {
  type RTCIceCandidateInit,
  RTCPeerConnection,
  type RTCPeerConnectionConfig,
  type SessionDescription,
} from 'werift';
import { MediaRefused } from '../../services/media-admission.js';
import { CandidateGate, type CandidateRules } from './candidate-gate.js';
import { type ForwardingCounters, PublishedTrack } from './published-track.js';
import { addRemoteCandidate } from './remote-candidate.js';
import {
  filterCandidates,
  isSending,
  parseRemoteDescription,
  type RemoteDescriptionLimits,
} from './remote-description.js';

export interface OfferOutcome {
  answer: string;
  published: PublishedTrack[];
  unpublished: PublishedTrack[];
}

export class PublisherPeer {
  private pc: RTCPeerConnection | undefined;
  /** mid → its published track. */
  private readonly tracks = new Map<string, PublishedTrack>();
  private closed = false;
  private readonly candidates: CandidateGate;

  constructor(
    private readonly config: RTCPeerConnectionConfig,
    private readonly pliIntervalMs: number,
    private readonly counters: ForwardingCounters,
    private readonly limits: RemoteDescriptionLimits & { candidates: CandidateRules },
    private readonly onFailed: (why: string) => void,
  ) {
    this.candidates = new CandidateGate(limits.candidates);
  }

  get published(): PublishedTrack[] {
    return [...this.tracks.values()];
  }

  bySource(source: TrackSource): PublishedTrack | undefined {
    for (const t of this.tracks.values()) if (t.source === source) return t;
    return undefined;
  }

  async applyOffer(
    sdp: string,
    declared: readonly PublishedTrackDeclaration[],
    allowed: readonly TrackSource[],
  ): Promise<OfferOutcome> {
    const offer = parseRemoteDescription(sdp, 'offer', this.limits);
    checkDeclarations(offer, declared);
    const forbidden = declared.filter((d) => !allowed.includes(d.source)).map((d) => d.source);
    if (forbidden.length > 0) {
      throw new MediaRefused(
        SfuErrorCode.PublishNotAllowed,
        `not allowed to publish ${forbidden.join(', ')}: missing capability ` +
          [...new Set(forbidden.map((s) => SourceCapability[s]))].join(', '),
      );
    }
    filterCandidates(offer, (c) => this.candidates.keepsInSdp(c));
    const pc = this.connection();
    try {
      // The parsed offer, serialized by werift itself: what was checked is what is negotiated.
      await pc.setRemoteDescription(offer.toSdp());
    } catch (err) {
      throw new MediaRefused(SfuErrorCode.SdpInvalid, `offer could not be applied: ${(err as Error).message}`);
    }
    const published: PublishedTrack[] = [];
    const unpublished: PublishedTrack[] = [];
    const declaredByMid = new Map(declared.map((d) => [d.mid, d]));
    for (const [mid, track] of this.tracks) {
      if (declaredByMid.get(mid)?.source !== track.source) {
        this.tracks.delete(mid);
        track.stop();
        unpublished.push(track);
      }
    }
    for (const d of declared) {
      if (this.tracks.has(d.mid)) continue;
      const kind = SourceKind[d.source];
      const transceiver = pc.getTransceivers().find((t) => t.mid === d.mid && t.kind === kind);
      const track = transceiver?.receiver.track;
      if (!transceiver || track?.kind !== kind) {
        throw new MediaRefused(SfuErrorCode.SdpInvalid, `no ${kind} receiver for mid ${d.mid}`);
      }
      const track1 = new PublishedTrack(
        d.source,
        track,
        transceiver.receiver,
        this.pliIntervalMs,
        this.counters,
        d.muted === true,
      );
      this.tracks.set(d.mid, track1);
      published.push(track1);
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    return { answer: pc.localDescription?.sdp ?? answer.sdp, published, unpublished };
  }

  /** Returns false when the candidate was over the connection's cap (it is dropped). */
  async addIceCandidate(candidate: RTCIceCandidateInit | null): Promise<boolean> {
    if (!this.pc || this.closed) return true;
    return addRemoteCandidate(this.pc, this.candidates, candidate);
  }

  /** Stops every published track and closes the connection; returns the tracks that were published. */
  close(): PublishedTrack[] {
    this.closed = true;
    const tracks = [...this.tracks.values()];
    for (const t of tracks) t.stop();
    this.tracks.clear();
    this.pc?.close().catch(() => {
      // Closing a half-open connection can fail inside werift; it is gone either way.
    });
    return tracks;
  }

  private connection(): RTCPeerConnection {
    if (this.pc) return this.pc;
    const pc = new RTCPeerConnection(this.config);
    pc.connectionStateChange.subscribe((state) => {
      if (!this.closed && (state === 'failed' || state === 'closed')) this.onFailed(`publisher connection ${state}`);
    });
    this.pc = pc;
    return pc;
  }
}

/** Every sending m-section is declared, and every declaration names a sending section of its source's kind. */
function checkDeclarations(offer: SessionDescription, declared: readonly PublishedTrackDeclaration[]): void {
  const sections = offer.media;
  for (const d of declared) {
    const section = sections.find((s) => s.rtp.muxId === d.mid);
    if (!section || !isSending(section) || section.kind !== SourceKind[d.source]) {
      throw new MediaRefused(
        SfuErrorCode.SdpInvalid,
        `tracks: mid ${d.mid} (${d.source}) must name a sending ${SourceKind[d.source]} m-section of the offer`,
      );
    }
  }
  const undeclared = sections.filter((s) => isSending(s) && !declared.some((d) => d.mid === s.rtp.muxId));
  if (undeclared.length > 0) {
    throw new MediaRefused(
      SfuErrorCode.SdpInvalid,
      `every sending m-section must be listed in tracks; not listed: mid ${undeclared.map((s) => s.rtp.muxId ?? '(none)').join(', ')}`,
    );
  }
}
