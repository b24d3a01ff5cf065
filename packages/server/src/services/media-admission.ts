/**
 * The coordinator's answers to the media layer: whether a participation may connect its media, what it may
 * publish, and the leave when its media connection ends. The SFU decides nothing itself: it asks here, and the
 * session participants table stays the one record of who is in a call (sessions.ts).
 */
import { OwnCapability } from '@switchboard/protocol';
import {
  type PinInfo,
  SfuErrorCode,
  SourceCapability,
  TRACK_SOURCES,
  type TrackSource,
} from '@switchboard/protocol/sfu';
import type { Actor } from '../domain/actor.js';
import { joinRequirements } from '../domain/permissions.js';
import { parseJson } from '../store/json.js';
import type { Repositories } from '../store/store.js';
import { capabilitiesOf, type LoadedCall, loadCall, lockCallIfPresent } from './call-access.js';
import { commit, type ServiceContext } from './context.js';
import type { MediaClaims } from './media-token.js';
import { removeParticipants } from './sessions.js';

/** A refusal the SFU passes on to its client as an `error` with this protocol code. */
export class MediaRefused extends Error {
  constructor(
    readonly code: SfuErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface MediaAdmission {
  cid: string;
  userId: string;
  userSessionId: string;
  name?: string;
  image?: string;
  canPublish: TrackSource[];
  pins: PinInfo[];
}

function callTypeOf(cid: string): string {
  const at = cid.indexOf(':');
  if (at <= 0) throw new MediaRefused(SfuErrorCode.JoinRefused, `call ${cid} does not exist`);
  return cid.slice(0, at);
}

async function loadForMedia(ctx: ServiceContext, repos: Repositories, cid: string): Promise<LoadedCall> {
  try {
    return await loadCall(ctx, repos, callTypeOf(cid), cid);
  } catch {
    throw new MediaRefused(SfuErrorCode.JoinRefused, `call ${cid} does not exist`);
  }
}

/** The capabilities the user holds on the call now (membership, role, blocked), like every REST guard computes. */
async function heldCapabilities(repos: Repositories, call: LoadedCall, userId: string): Promise<readonly string[]> {
  const user = await repos.users.get(userId);
  if (!user) throw new MediaRefused(SfuErrorCode.JoinRefused, `user ${userId} does not exist`);
  const actor: Actor = { kind: 'user', userId, role: user.role, callCids: [call.row.cid] };
  const member = await repos.members.get(call.row.cid, userId);
  return capabilitiesOf(actor, call, member?.role);
}

function publishable(held: readonly string[]): TrackSource[] {
  return TRACK_SOURCES.filter((s) => held.includes(SourceCapability[s]));
}

/**
 * Checks a media join against the call as it is now, not as it was when the token was minted: blocked users,
 * ended calls (unless `join-ended-call`), lost `join-call`, and a participation that already left are refused.
 */
export async function admitMedia(ctx: ServiceContext, claims: MediaClaims): Promise<MediaAdmission> {
  const repos = ctx.store.read;
  const call = await loadForMedia(ctx, repos, claims.cid);
  if (parseJson<string[]>(call.row.blocked_user_ids, []).includes(claims.userId)) {
    throw new MediaRefused(SfuErrorCode.JoinRefused, `user ${claims.userId} is blocked from call ${claims.cid}`);
  }
  const held = await heldCapabilities(repos, call, claims.userId);
  const ended = call.row.ended_at !== null;
  if (ended && !held.includes(OwnCapability.JOIN_ENDED_CALL)) {
    throw new MediaRefused(
      SfuErrorCode.CallEnded,
      `call ${claims.cid} has ended: joining it needs capability ${OwnCapability.JOIN_ENDED_CALL}`,
    );
  }
  const missing = joinRequirements({ ended, backstage: call.row.backstage === 1 }).filter((c) => !held.includes(c));
  if (missing.length > 0) {
    throw new MediaRefused(SfuErrorCode.JoinRefused, `not allowed to join: missing capability ${missing.join(', ')}`);
  }
  const sessionId = call.row.current_session_id;
  const session = sessionId ? await repos.sessions.get(sessionId) : undefined;
  const mine = session ? await repos.sessions.activeParticipantsOf(session.id, claims.userId) : [];
  if (!session || !mine.some((p) => p.user_session_id === claims.userSessionId)) {
    throw new MediaRefused(
      SfuErrorCode.ParticipationEnded,
      'this participation already left the call session: call JoinCall again for a fresh token',
    );
  }
  // From now on this node owns the participant's liveness: if it dies, the others make the participant leave after
  // the node TTL (cluster/node-liveness.ts), as for a realtime connection.
  await ctx.store.transaction((tx) => tx.sessions.ownLiveness(claims.userSessionId, ctx.nodeId));
  const user = await repos.users.get(claims.userId);
  return {
    ...claims,
    ...(user?.name ? { name: user.name } : {}),
    ...(user?.image ? { image: user.image } : {}),
    canPublish: publishable(held),
    pins: parseJson<PinInfo[]>(session.pins, []),
  };
}

/** What the user may publish on the call now; asked at every publisher offer, so revoked grants apply at once. */
export async function publishableSources(ctx: ServiceContext, cid: string, userId: string): Promise<TrackSource[]> {
  const call = await loadForMedia(ctx, ctx.store.read, cid);
  return publishable(await heldCapabilities(ctx.store.read, call, userId));
}

/**
 * The participation's media connection ended: it leaves the session (`call.session_participant_left`, and
 * `call.session_ended` when it was the last). Idempotent: a participation that already left changes nothing.
 */
export async function mediaLeft(ctx: ServiceContext, claims: MediaClaims): Promise<void> {
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallIfPresent(ctx, tx, claims.cid);
    const sessionId = call?.row.current_session_id;
    if (!call || !sessionId) return;
    const mine = await tx.sessions.activeParticipantsOf(sessionId, claims.userId);
    const leaving = mine.filter((p) => p.user_session_id === claims.userSessionId);
    await removeParticipants(ctx, tx, call, sessionId, leaving, emit);
  });
}
