/**
 * The participants of one call on this SFU and who receives what: every participant receives every other
 * participant's published tracks, and hears about joins, leaves, publications, mutes and pins. The room only
 * follows decisions; who may be in it is the coordinator's (media-admission.ts).
 */
import type { LeaveReason, PinInfo, SfuServerMessage } from '@switchboard/protocol/sfu';
import type { PublishedTrack } from './published-track.js';
import type { SfuParticipant } from './sfu-participant.js';

export class SfuRoom {
  /** user_session_id → participant. */
  readonly participants = new Map<string, SfuParticipant>();
  private pins: PinInfo[] = [];

  constructor(readonly cid: string) {}

  get size(): number {
    return this.participants.size;
  }

  /** Announces the joiner, answers it with the room as it is, and subscribes it to every published track. */
  add(joiner: SfuParticipant, pins: PinInfo[]): void {
    this.pins = pins;
    const others = [...this.participants.values()];
    this.participants.set(joiner.key, joiner);
    joiner.send({
      v: 1,
      type: 'joined',
      session_id: joiner.key,
      user_id: joiner.userId,
      call_cid: this.cid,
      participants: others.map((o) => o.info()),
      pins: this.pins,
      can_publish: joiner.canPublish,
    });
    this.broadcast({ v: 1, type: 'participant_joined', participant: joiner.info() }, joiner);
    for (const other of others) for (const track of other.published) joiner.subscribe(track, other);
  }

  remove(leaver: SfuParticipant, reason: LeaveReason): void {
    if (this.participants.get(leaver.key) !== leaver) return;
    this.participants.delete(leaver.key);
    for (const track of leaver.published) for (const other of this.participants.values()) other.unsubscribe(track);
    this.broadcast({ v: 1, type: 'participant_left', session_id: leaver.key, user_id: leaver.userId, reason });
  }

  trackPublished(owner: SfuParticipant, track: PublishedTrack): void {
    for (const other of this.participants.values()) if (other !== owner) other.subscribe(track, owner);
    this.broadcast(
      {
        v: 1,
        type: 'track_published',
        session_id: owner.key,
        user_id: owner.userId,
        track: { track_id: track.trackId, source: track.source, muted: track.muted },
      },
      owner,
    );
  }

  trackUnpublished(owner: SfuParticipant, track: PublishedTrack): void {
    for (const other of this.participants.values()) if (other !== owner) other.unsubscribe(track);
    this.broadcast(
      {
        v: 1,
        type: 'track_unpublished',
        session_id: owner.key,
        user_id: owner.userId,
        track_id: track.trackId,
        source: track.source,
      },
      owner,
    );
  }

  /** Sent to everyone, the owner too: a client muted by a moderator learns it this way. */
  trackMuted(owner: SfuParticipant, track: PublishedTrack, byUserId: string | undefined): void {
    this.broadcast({
      v: 1,
      type: 'track_muted',
      session_id: owner.key,
      user_id: owner.userId,
      source: track.source,
      muted: track.muted,
      ...(byUserId === undefined ? {} : { by_user_id: byUserId }),
    });
  }

  setPins(pins: PinInfo[]): void {
    this.pins = pins;
    this.broadcast({ v: 1, type: 'pins', pins });
  }

  ofUser(userId: string): SfuParticipant[] {
    return [...this.participants.values()].filter((p) => p.userId === userId);
  }

  private broadcast(message: SfuServerMessage, except?: SfuParticipant): void {
    for (const p of this.participants.values()) if (p !== except) p.send(message);
  }
}
