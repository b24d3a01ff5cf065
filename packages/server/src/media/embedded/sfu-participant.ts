/**
 * One participant's media on the embedded SFU: its signaling channel, publisher and subscriber connections, and
 * the handling of its signaling messages, one at a time in arrival order (an ICE candidate is never applied before
 * the offer it belongs to). The participant ends once, for one reason: its socket or a peer connection closing,
 * its own `leave`, or a coordinator decision (kick, block, call ended); the media server then tells the
 * coordinator (media-admission.ts `mediaLeft`).
 */
import {
  type LeaveReason,
  type ParticipantInfo,
  type SfuClientMessage,
  SfuCloseCode,
  SfuErrorCode,
  type SfuServerMessage,
  SourceCapability,
  TRACK_SOURCES,
  type TrackSource,
} from '@switchboard/protocol/sfu';
import type { Logger } from 'pino';
import type { RTCPeerConnectionConfig } from 'werift';
import { type MediaAdmission, MediaRefused } from '../../services/media-admission.js';
import type { SignalingChannel } from '../signaling-channel.js';
import type { CandidateRules } from './candidate-gate.js';
import type { ForwardingCounters, PublishedTrack } from './published-track.js';
import { PublisherPeer } from './publisher-peer.js';
import type { SfuRoom } from './sfu-room.js';
import { SubscriberPeer } from './subscriber-peer.js';
import { type BucketRate, TokenBucket } from './token-bucket.js';

export interface ParticipantDeps {
  peerConfig: RTCPeerConnectionConfig;
  pliIntervalMs: number;
  answerTimeoutMs: number;
  /** Signaling messages waiting to be handled; over it the client is refused with `rate_limited`. */
  maxQueuedMessages: number;
  /** Publisher offers: a burst, then one per interval; more are refused with `rate_limited` on arrival. */
  offerRate: BucketRate;
  /** m-sections one offer may have (`limit_exceeded`). */
  maxMediaSections: number;
  /** Which remote candidates each peer connection accepts, and how many. */
  candidates: CandidateRules;
  counters: ForwardingCounters;
  logger: Logger;
  /** The coordinator's current answer to "what may this user publish" (asked at every offer). */
  publishable(cid: string, userId: string): Promise<TrackSource[]>;
  /** Called once when the participant ended. */
  ended(participant: SfuParticipant, reason: LeaveReason): void;
}

const CLOSE_CODES: Record<LeaveReason, SfuCloseCode> = {
  left: SfuCloseCode.Left,
  disconnected: SfuCloseCode.Left,
  kicked: SfuCloseCode.Kicked,
  blocked: SfuCloseCode.Blocked,
  call_ended: SfuCloseCode.CallEnded,
  replaced: SfuCloseCode.Replaced,
  shutdown: SfuCloseCode.ServerShutdown,
};

export class SfuParticipant {
  private readonly publisher: PublisherPeer;
  private readonly subscriber: SubscriberPeer;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly offers: TokenBucket;
  private ended = false;
  /** Moderator mutes of sources not published yet (source → moderator), applied when they are; at most one per source. */
  private readonly pendingMutes = new Map<TrackSource, string>();

  constructor(
    readonly admission: MediaAdmission,
    readonly room: SfuRoom,
    private readonly channel: SignalingChannel,
    private readonly deps: ParticipantDeps,
  ) {
    const failed = (why: string) => {
      deps.logger.debug({ cid: room.cid, sessionId: this.key, why }, 'media connection lost');
      this.end('disconnected');
    };
    this.offers = new TokenBucket(deps.offerRate);
    this.publisher = new PublisherPeer(
      deps.peerConfig,
      deps.pliIntervalMs,
      deps.counters,
      { maxMediaSections: deps.maxMediaSections, candidates: deps.candidates },
      failed,
    );
    this.subscriber = new SubscriberPeer(
      this.key,
      deps.peerConfig,
      deps.answerTimeoutMs,
      deps.candidates,
      (offer) => this.send(offer),
      failed,
    );
  }

  get key(): string {
    return this.admission.userSessionId;
  }

  get userId(): string {
    return this.admission.userId;
  }

  get canPublish(): TrackSource[] {
    return this.admission.canPublish;
  }

  get published(): PublishedTrack[] {
    return this.publisher.published;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  info(): ParticipantInfo {
    const { name, image } = this.admission;
    return {
      session_id: this.key,
      user_id: this.userId,
      ...(name ? { name } : {}),
      ...(image ? { image } : {}),
      tracks: this.published.map((t) => ({ track_id: t.trackId, source: t.source, muted: t.muted })),
    };
  }

  send(message: SfuServerMessage): void {
    if (!this.ended) this.channel.send(message);
  }

  subscribe(track: PublishedTrack, owner: SfuParticipant): void {
    this.subscriber.add(track, { session_id: owner.key, user_id: owner.userId });
  }

  unsubscribe(track: PublishedTrack): void {
    this.subscriber.remove(track.trackId);
  }

  /**
   * A moderator (`mute-users`) muted this participant's source; returns whether anything changed. A source it is not
   * publishing yet starts muted when it is published (the mute holds until the publisher unmutes it).
   */
  muteByModerator(source: TrackSource, byUserId: string): boolean {
    const track = this.publisher.bySource(source);
    if (!track) {
      this.pendingMutes.set(source, byUserId);
      return false;
    }
    if (!track.muteByModerator(byUserId)) return false;
    this.room.trackMuted(this, track, byUserId);
    return true;
  }

  /**
   * The participant lost the capability to publish some sources: those tracks stop being forwarded and everyone is
   * told, as for a moderator's mute (by the participant's own user id: no moderator acted). Unmuting them is refused
   * until the capability is back (see `muteOwn`).
   */
  restrictTo(allowed: readonly TrackSource[]): void {
    for (const source of TRACK_SOURCES) {
      // Only what is published now: publishing later is checked against the capabilities at each offer.
      if (!allowed.includes(source) && this.publisher.bySource(source)) this.muteByModerator(source, this.userId);
    }
  }

  /**
   * Handles one client message after those before it. Each waits for a turn of the event loop first: werift's
   * negotiation is synchronous work chained through promises, and back-to-back messages would otherwise run as one
   * long task that keeps every HTTP request and socket of the node waiting.
   */
  handle(message: SfuClientMessage): void {
    if (this.ended) return;
    if (this.queued >= this.deps.maxQueuedMessages) {
      this.refuse(message.type, SfuErrorCode.RateLimited, 'too many signaling messages waiting; slow down');
      return;
    }
    if (message.type === 'offer' && !this.offers.take()) {
      this.refuse(message.type, SfuErrorCode.RateLimited, 'too many offers; renegotiate less often');
      return;
    }
    this.queued++;
    this.queue = this.queue
      .then(nextTurn)
      .then(() => (this.ended ? undefined : this.dispatch(message)))
      .catch((err: unknown) => {
        if (err instanceof MediaRefused) this.refuse(message.type, err.code, err.message);
        else {
          this.deps.logger.error({ err, cid: this.room.cid, type: message.type }, 'signaling message failed');
          this.refuse(message.type, SfuErrorCode.Internal, 'the SFU failed to handle this message');
        }
      })
      .finally(() => {
        this.queued--;
      });
  }

  /** Ends the participant: closes its connections and socket, leaves the room, tells the media server. */
  end(reason: LeaveReason): void {
    if (this.ended) return;
    this.ended = true;
    this.room.remove(this, reason);
    this.publisher.close();
    this.subscriber.close();
    this.channel.close(CLOSE_CODES[reason], reason);
    this.deps.ended(this, reason);
  }

  private async dispatch(message: SfuClientMessage): Promise<void> {
    switch (message.type) {
      case 'offer':
        return this.publish(message.sdp, message.tracks);
      case 'answer':
        try {
          await this.subscriber.applyAnswer(message.sdp);
        } catch (err) {
          throw new MediaRefused(SfuErrorCode.SdpInvalid, `answer could not be applied: ${(err as Error).message}`);
        }
        return;
      case 'ice': {
        let admitted = true;
        try {
          const peer = message.pc === 'publisher' ? this.publisher : this.subscriber;
          admitted = await peer.addIceCandidate(message.candidate);
        } catch (err) {
          // A candidate werift cannot use (another address family, a stale generation) is not worth an error.
          this.deps.logger.debug({ err, cid: this.room.cid }, 'ICE candidate ignored');
        }
        if (!admitted) {
          throw new MediaRefused(
            SfuErrorCode.LimitExceeded,
            `at most ${this.deps.candidates.maxPerConnection} remote candidates per peer connection`,
          );
        }
        return;
      }
      case 'mute':
        return this.muteOwn(message.source, message.muted);
      case 'quality':
        return; // accepted and ignored: nothing to choose between without simulcast
      case 'leave':
        this.end('left');
        return;
      case 'join':
        throw new MediaRefused(SfuErrorCode.AlreadyJoined, 'this socket already joined');
    }
  }

  private async publish(sdp: string, tracks: Parameters<PublisherPeer['applyOffer']>[1]): Promise<void> {
    const allowed = await this.deps.publishable(this.room.cid, this.userId);
    const outcome = await this.publisher.applyOffer(sdp, tracks, allowed);
    if (this.ended) return;
    this.send({ v: 1, type: 'answer', pc: 'publisher', sdp: outcome.answer });
    for (const t of outcome.unpublished) this.room.trackUnpublished(this, t);
    for (const t of outcome.published) {
      const mutedBy = this.pendingMutes.get(t.source);
      this.pendingMutes.delete(t.source);
      if (mutedBy !== undefined) t.muteByModerator(mutedBy);
      this.room.trackPublished(this, t);
      if (mutedBy !== undefined) this.room.trackMuted(this, t, mutedBy);
    }
  }

  private async muteOwn(source: TrackSource, muted: boolean): Promise<void> {
    const track = this.publisher.bySource(source);
    if (!track) throw new MediaRefused(SfuErrorCode.InvalidMessage, `not publishing ${source}`);
    // Unmuting is publishing again: it needs the source's capability now (it may have been taken away mid-call).
    if (!muted && !(await this.deps.publishable(this.room.cid, this.userId)).includes(source)) {
      throw new MediaRefused(
        SfuErrorCode.PublishNotAllowed,
        `unmuting ${source} needs capability ${SourceCapability[source]}, which this user no longer has on the call`,
      );
    }
    if (this.ended) return;
    if (track.setSelfMuted(muted)) this.room.trackMuted(this, track, undefined);
  }

  private refuse(requestType: string, code: SfuErrorCode, message: string): void {
    this.send({ v: 1, type: 'error', code, message, fatal: false, request_type: requestType });
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
