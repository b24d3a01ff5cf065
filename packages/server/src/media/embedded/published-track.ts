/**
 * One published track on the SFU: it reads the publisher's RTP once and fans it out to one down-track per
 * subscriber. Packets are forwarded as they came (no transcoding), with two changes the measurements forced:
 * - the publisher's RTP header extensions are stripped: their ids follow the publisher's negotiation and collide
 *   with the subscriber's (a subscriber then dropped every video packet);
 * - each subscriber gets its own copy of the packet: werift's sender rewrites SSRC and payload type in place and
 *   keeps the object for NACK answers, so a shared packet was retransmitted with another subscriber's SSRC.
 * Key frames are asked of the publisher (PLI) at most once per `pliIntervalMs`; a request inside the interval is
 * sent at its end instead of dropped, so N subscribers joining at once cost one key frame, not N or none.
 */
import { randomUUID } from 'node:crypto';
import type { TrackSource } from '@switchboard/protocol/sfu';
import type { MediaStreamTrack, RTCRtpReceiver, RTCRtpSender, RtpPacket } from 'werift';

export interface ForwardingCounters {
  packetsIn: number;
  packetsOut: number;
}

export class PublishedTrack {
  readonly trackId = randomUUID();
  private readonly downTracks = new Map<string, RTCRtpSender>();
  private selfMuted: boolean;
  private mutedBy: string | undefined;
  private lastPliAt = Number.NEGATIVE_INFINITY;
  private pliTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    readonly source: TrackSource,
    private readonly track: MediaStreamTrack,
    private readonly receiver: RTCRtpReceiver,
    private readonly pliIntervalMs: number,
    private readonly counters: ForwardingCounters,
    muted: boolean,
  ) {
    this.selfMuted = muted;
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp) => this.forward(rtp));
    this.unsubscribe = unSubscribe;
  }

  get kind(): 'audio' | 'video' {
    return this.track.kind === 'audio' ? 'audio' : 'video';
  }

  /** Muted by its publisher or by a moderator: nothing is forwarded. */
  get muted(): boolean {
    return this.selfMuted || this.mutedBy !== undefined;
  }

  get moderatorMuted(): boolean {
    return this.mutedBy !== undefined;
  }

  get subscriberCount(): number {
    return this.downTracks.size;
  }

  /** Returns whether the effective muted state changed. */
  setSelfMuted(muted: boolean): boolean {
    const before = this.muted;
    this.selfMuted = muted;
    if (!muted) this.mutedBy = undefined;
    if (before && !this.muted) this.requestKeyFrame();
    return before !== this.muted;
  }

  /** A moderator's mute holds until the publisher unmutes. Returns whether the muted state changed. */
  muteByModerator(byUserId: string): boolean {
    const before = this.muted;
    this.mutedBy = byUserId;
    return before !== this.muted;
  }

  addDownTrack(subscriberKey: string, sender: RTCRtpSender): void {
    this.downTracks.set(subscriberKey, sender);
    // Relayed throttled: a subscriber's decoder asks for a key frame when it lost one or cannot start.
    sender.onPictureLossIndication.subscribe(() => {
      if (this.downTracks.get(subscriberKey) === sender) this.requestKeyFrame();
    });
  }

  removeDownTrack(subscriberKey: string): RTCRtpSender | undefined {
    const sender = this.downTracks.get(subscriberKey);
    this.downTracks.delete(subscriberKey);
    return sender;
  }

  /** Asks the publisher for a key frame, at most once per interval (a request inside it is sent at its end). */
  requestKeyFrame(): void {
    if (this.kind !== 'video' || this.stopped || this.pliTimer) return;
    const wait = this.lastPliAt + this.pliIntervalMs - performance.now();
    if (wait <= 0) {
      this.sendPli();
      return;
    }
    this.pliTimer = setTimeout(() => {
      this.pliTimer = undefined;
      this.sendPli();
    }, wait);
    this.pliTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.pliTimer) clearTimeout(this.pliTimer);
    this.pliTimer = undefined;
    this.downTracks.clear();
  }

  private sendPli(): void {
    if (this.stopped || this.track.ssrc === undefined) return;
    this.lastPliAt = performance.now();
    this.receiver.sendRtcpPLI(this.track.ssrc).catch(() => {
      // The publisher's transport is closing; its leave is handled by the connection state.
    });
  }

  private forward(rtp: RtpPacket): void {
    this.counters.packetsIn++;
    if (this.muted || this.downTracks.size === 0) return;
    if (rtp.header.extension) {
      rtp.header.extensions = [];
      rtp.header.extension = false;
    }
    for (const sender of this.downTracks.values()) {
      this.counters.packetsOut++;
      sender.sendRtp(rtp.clone()).catch(() => {
        // The subscriber's transport is closing; its leave is handled by its connection state.
      });
    }
  }
}
