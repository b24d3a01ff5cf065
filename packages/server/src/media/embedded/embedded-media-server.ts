/**
 * The embedded SFU: werift in the node's own process, signaling on the node's HTTP server (`/sfu/ws`). It keeps
 * rooms (calls with media on this node) and participants in memory, bounded per call and per node; everything it
 * decides comes from the coordinator (media-admission.ts) and from call events on the bus (call-event-reactions.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CallEvent } from '@switchboard/protocol';
import { type LeaveReason, type PinInfo, SfuErrorCode, type TrackSource } from '@switchboard/protocol/sfu';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ServiceContext } from '../../services/context.js';
import {
  admitMedia,
  type MediaAdmission,
  MediaRefused,
  mediaLeft,
  publishableSources,
} from '../../services/media-admission.js';
import type { MediaEndpoint } from '../../services/media-port.js';
import { type MediaClaims, verifyMediaToken } from '../../services/media-token.js';
import { AdmissionRounds } from '../admission-rounds.js';
import { type MediaRooms, reactToCallEvent } from '../call-event-reactions.js';
import type { MediaServer, MediaStats } from '../media-server.js';
import { MAX_SIGNALING_FRAME_BYTES, type SignalingSink, SignalingSocket } from '../signaling-socket.js';
import type { CandidateRules } from './candidate-gate.js';
import { sfuPeerConfig } from './peer-config.js';
import type { ForwardingCounters } from './published-track.js';
import { type ParticipantDeps, SfuParticipant } from './sfu-participant.js';
import { SfuRoom } from './sfu-room.js';

export const SFU_WS_PATH = '/sfu/ws';

export interface EmbeddedMediaOptions {
  /** Host addresses werift skips by itself but clients can reach (loopback). */
  additionalHostAddresses: readonly string[];
  maxParticipantsPerCall: number;
  maxParticipants: number;
  /** Media participants one user may have on this node at once, over all calls. */
  maxParticipantsPerUser: number;
  pliIntervalMs: number;
  answerTimeoutMs: number;
  joinTimeoutMs: number;
  pingIntervalMs: number;
  maxQueuedMessages: number;
  maxBufferedBytes: number;
  offerRate: ParticipantDeps['offerRate'];
  maxMediaSections: number;
  candidates: CandidateRules;
}

export const DEFAULT_EMBEDDED_MEDIA_OPTIONS: EmbeddedMediaOptions = {
  additionalHostAddresses: ['127.0.0.1'],
  maxParticipantsPerCall: 50,
  maxParticipants: 500,
  maxParticipantsPerUser: 10,
  pliIntervalMs: 300,
  answerTimeoutMs: 15_000,
  joinTimeoutMs: 10_000,
  pingIntervalMs: 10_000,
  maxQueuedMessages: 64,
  maxBufferedBytes: 1024 * 1024,
  offerRate: { burst: 8, refillMs: 1000 },
  maxMediaSections: 16,
  candidates: { scope: 'loopback', maxPerConnection: 16 },
};

export class EmbeddedMediaServer implements MediaServer, MediaRooms {
  readonly kind = 'embedded';
  private readonly rooms = new Map<string, SfuRoom>();
  private readonly admissions = new AdmissionRounds();
  private readonly sockets = new Set<SignalingSocket>();
  private readonly leaves = new Set<Promise<void>>();
  private readonly wss: WebSocketServer;
  private readonly counters: ForwardingCounters = { packetsIn: 0, packetsOut: 0 };
  private readonly participantDeps: ParticipantDeps;
  private unsubscribe: (() => void) | undefined;
  private closing = false;
  private participantCount = 0;
  /** user id → media participants of that user on this node (only users with one have an entry). */
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly logger: Logger,
    private readonly options: EmbeddedMediaOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_SIGNALING_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.participantDeps = {
      peerConfig: sfuPeerConfig({ additionalHostAddresses: options.additionalHostAddresses }),
      pliIntervalMs: options.pliIntervalMs,
      answerTimeoutMs: options.answerTimeoutMs,
      maxQueuedMessages: options.maxQueuedMessages,
      offerRate: options.offerRate,
      maxMediaSections: options.maxMediaSections,
      candidates: options.candidates,
      counters: this.counters,
      logger,
      publishable: (cid, userId) => publishableSources(ctx, cid, userId),
      ended: (p, reason) => this.participantEnded(p, reason),
    };
  }

  endpoint(): MediaEndpoint {
    return {
      wsEndpoint: `${this.ctx.config.publicUrl.replace(/^http/, 'ws')}${SFU_WS_PATH}`,
      edgeName: `embedded-${this.ctx.nodeId.slice(0, 8)}`,
      iceServers: [],
    };
  }

  start(): void {
    this.unsubscribe = this.ctx.bus.subscribe((event: CallEvent) => reactToCallEvent(this, event));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== SFU_WS_PATH) return false;
    if (this.closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new SignalingSocket(ws, this.options, (token, channel) => this.join(token, channel));
      this.sockets.add(s);
      ws.once('close', () => this.sockets.delete(s));
    });
    return true;
  }

  stats(): MediaStats {
    let publishedTracks = 0;
    let forwardedStreams = 0;
    for (const room of this.rooms.values()) {
      for (const p of room.participants.values()) {
        for (const t of p.published) {
          publishedTracks++;
          forwardedStreams += t.subscriberCount;
        }
      }
    }
    return {
      rooms: this.rooms.size,
      participants: this.participantCount,
      publishedTracks,
      forwardedStreams,
      ...this.counters,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.unsubscribe?.();
    for (const room of [...this.rooms.values()]) for (const p of [...room.participants.values()]) p.end('shutdown');
    for (const s of [...this.sockets]) s.close(4503, 'shutdown');
    await Promise.all([...this.leaves]);
    this.wss.close();
  }

  // ── MediaRooms: the coordinator's decisions, from call events ────────────────────────────────────────────────

  changed(cid: string): void {
    this.admissions.changed(cid);
  }

  closeCall(cid: string, reason: LeaveReason): void {
    for (const p of [...(this.rooms.get(cid)?.participants.values() ?? [])]) p.end(reason);
  }

  closeUser(cid: string, userId: string, reason: LeaveReason): void {
    for (const p of this.rooms.get(cid)?.ofUser(userId) ?? []) p.end(reason);
  }

  closeParticipation(cid: string, userSessionId: string, reason: LeaveReason): void {
    this.rooms.get(cid)?.participants.get(userSessionId)?.end(reason);
  }

  setPins(cid: string, pins: PinInfo[]): void {
    this.rooms.get(cid)?.setPins(pins);
  }

  mute(cid: string, userIds: readonly string[], sources: readonly TrackSource[], byUserId: string): void {
    const room = this.rooms.get(cid);
    if (!room) return;
    for (const p of room.participants.values()) {
      if (!userIds.includes(p.userId)) continue;
      for (const source of sources) p.muteByModerator(source, byUserId);
    }
  }

  restrict(cid: string, userId: string, allowed: readonly TrackSource[]): void {
    const room = this.rooms.get(cid);
    if (!room) return;
    for (const p of room.participants.values()) if (p.userId === userId) p.restrictTo(allowed);
  }

  // ── joins and leaves ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Decides a join. Whatever refuses it after the token named a participation (the coordinator, a limit, the
   * shutdown, a failure) also ends that participation: a JoinCall whose media was turned away leaves no participant
   * behind in the session.
   */
  private async join(token: string, channel: SignalingSocket): Promise<SignalingSink | undefined> {
    const checked = await verifyMediaToken(this.ctx.config.apiSecret, token, this.ctx.clock.now());
    if (!checked.ok) {
      channel.refuse(checked.expired ? SfuErrorCode.TokenExpired : SfuErrorCode.TokenInvalid, checked.reason, 'join');
      return undefined;
    }
    const claims = checked.claims;
    try {
      return this.add(claims, channel, await this.admit(claims));
    } catch (err) {
      this.reportLeave(claims);
      if (!(err instanceof MediaRefused)) throw err;
      channel.refuse(err.code, err.message, 'join');
      return undefined;
    }
  }

  /** The coordinator's decision, asked only while the SFU has room for this participant (checked again after it). */
  private async admit(claims: MediaClaims): Promise<MediaAdmission> {
    this.requireRoomFor(claims);
    return this.admissions.decide(claims.cid, () => admitMedia(this.ctx, claims));
  }

  private add(claims: MediaClaims, channel: SignalingSocket, admission: MediaAdmission): SignalingSink {
    this.requireRoomFor(claims);
    const room = this.rooms.get(claims.cid) ?? new SfuRoom(claims.cid);
    room.participants.get(claims.userSessionId)?.end('replaced');
    this.rooms.set(claims.cid, room);
    const participant = new SfuParticipant(admission, room, channel, this.participantDeps);
    this.participantCount++;
    this.perUser.set(claims.userId, (this.perUser.get(claims.userId) ?? 0) + 1);
    room.add(participant, admission.pins);
    this.logger.debug({ cid: claims.cid, sessionId: claims.userSessionId }, 'media participant joined');
    return {
      handle: (message) => participant.handle(message),
      socketClosed: () => participant.end('disconnected'),
    };
  }

  /**
   * Refuses a join over the node's, the call's or the user's share of this SFU. The user's share is what keeps one
   * token from holding every slot of the node (one call each); the participation being replaced (the same
   * participation joining again over a new socket) does not count against its own join.
   */
  private requireRoomFor(claims: MediaClaims): void {
    if (this.closing) throw new MediaRefused(SfuErrorCode.JoinRefused, 'the SFU is shutting down: join the call again');
    const room = this.rooms.get(claims.cid);
    const replacing = room?.participants.get(claims.userSessionId)?.isEnded === false ? 1 : 0;
    const { maxParticipants, maxParticipantsPerCall, maxParticipantsPerUser } = this.options;
    if (
      this.participantCount - replacing >= maxParticipants ||
      (room?.size ?? 0) - replacing >= maxParticipantsPerCall
    ) {
      throw new MediaRefused(SfuErrorCode.LimitExceeded, 'this SFU carries no more participants for now');
    }
    if ((this.perUser.get(claims.userId) ?? 0) - replacing >= maxParticipantsPerUser) {
      throw new MediaRefused(
        SfuErrorCode.LimitExceeded,
        `user ${claims.userId} already holds ${maxParticipantsPerUser} media connections on this SFU: leave one first`,
      );
    }
  }

  private reportLeave(claims: MediaClaims): void {
    const leave = mediaLeft(this.ctx, claims).catch((err: unknown) =>
      this.logger.error({ err, cid: claims.cid }, 'reporting a media leave failed'),
    );
    this.leaves.add(leave);
    void leave.finally(() => this.leaves.delete(leave));
  }

  private participantEnded(p: SfuParticipant, reason: LeaveReason): void {
    this.participantCount--;
    const held = (this.perUser.get(p.userId) ?? 1) - 1;
    if (held > 0) this.perUser.set(p.userId, held);
    else this.perUser.delete(p.userId);
    if (p.room.size === 0 && this.rooms.get(p.room.cid) === p.room) this.rooms.delete(p.room.cid);
    // A replaced participation lives on over its new socket; every other end is a leave for the coordinator.
    if (reason === 'replaced') return;
    this.reportLeave(p.admission);
  }
}
