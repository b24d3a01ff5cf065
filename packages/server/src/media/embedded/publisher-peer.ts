/**
 * A participant's publisher connection: the client offers what it sends, the SFU answers. Before werift sees an
 * offer, every sending m-section must be declared in `tracks` with a source of the right kind, and every declared
 * source must be one the coordinator allows (`send-audio`, `send-video`, `screenshare`): an offer failing either is
 * refused whole and changes nothing, so an undeclared or forbidden track never reaches anyone.
 */
import {
  type PublishedTrackDeclaration,
  SfuErrorCode,
  SourceCapability,
  SourceKind,
  type TrackSource,
} from '@switchboard/protocol/sfu';
import { type RTCIceCandidateInit, RTCPeerConnection, type RTCPeerConnectionConfig } from 'werift';
import { MediaRefused } from '../../services/media-admission.js';
import { type ForwardingCounters, PublishedTrack } from './published-track.js';
import { isSending, mediaSections } from './sdp-sections.js';

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

  constructor(
    private readonly config: RTCPeerConnectionConfig,
    private readonly pliIntervalMs: number,
    private readonly counters: ForwardingCounters,
    private readonly onFailed: (why: string) => void,
  ) {}

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
    checkDeclarations(sdp, declared);
    const forbidden = declared.filter((d) => !allowed.includes(d.source)).map((d) => d.source);
    if (forbidden.length > 0) {
      throw new MediaRefused(
        SfuErrorCode.PublishNotAllowed,
        `not allowed to publish ${forbidden.join(', ')}: missing capability ` +
          [...new Set(forbidden.map((s) => SourceCapability[s]))].join(', '),
      );
    }
    const pc = this.connection();
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
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
      const transceiver = pc.getTransceivers().find((t) => t.mid === d.mid);
      const track = transceiver?.receiver.track;
      if (!transceiver || !track) throw new MediaRefused(SfuErrorCode.SdpInvalid, `no receiver for mid ${d.mid}`);
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

  async addIceCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    if (!this.pc || this.closed) return;
    await this.pc.addIceCandidate(candidate ?? undefined);
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
function checkDeclarations(sdp: string, declared: readonly PublishedTrackDeclaration[]): void {
  const sections = mediaSections(sdp);
  for (const d of declared) {
    const section = sections.find((s) => s.mid === d.mid);
    if (!section || !isSending(section) || section.kind !== SourceKind[d.source]) {
      throw new MediaRefused(
        SfuErrorCode.SdpInvalid,
        `tracks: mid ${d.mid} (${d.source}) must name a sending ${SourceKind[d.source]} m-section of the offer`,
      );
    }
  }
  const undeclared = sections.filter((s) => isSending(s) && !declared.some((d) => d.mid === s.mid));
  if (undeclared.length > 0) {
    throw new MediaRefused(
      SfuErrorCode.SdpInvalid,
      `every sending m-section must be listed in tracks; not listed: mid ${undeclared.map((s) => s.mid).join(', ')}`,
    );
  }
}
