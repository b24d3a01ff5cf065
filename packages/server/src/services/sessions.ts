/**
 * Sessions: JoinCall records the participant in the call's current session (starting one if needed) and
 * LeaveCall removes them (ending the session when the last one leaves). Session start/end and participant
 * events are written with the change.
 */
import { randomUUID } from 'node:crypto';
import {
  CallEvents,
  type JoinCallRequest,
  type JoinCallResponse,
  type LeaveCallRequest,
  OwnCapability,
  toCid,
} from '@switchboard/protocol';
import { SignJWT } from 'jose';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { notAllowed } from '../domain/errors.js';
import { joinRequirements } from '../domain/permissions.js';
import { deepMerge } from '../domain/settings.js';
import { parseJson } from '../store/json.js';
import type { CallSessionsTable, SessionParticipantsTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import { type LoadedCall, loadCall, lockCallForChange, requireActingUserId } from './call-access.js';
import { buildCallResponse, DEFAULT_MEMBERS_LIMIT, loadCallModel } from './call-response.js';
import { type CallRef, getOrCreateCall, participantRole } from './calls.js';
import { commit, type Emit, type ServiceContext } from './context.js';
import { type MediaClaims, mintMediaToken } from './media-token.js';
import { presenceKey } from './presence.js';
import { requireExistingUser } from './users.js';
import { participantView, userView } from './views.js';

export function newSessionRow(cid: string, now: string, started: boolean): CallSessionsTable {
  return {
    id: randomUUID(),
    call_cid: cid,
    created_at: now,
    started_at: started ? now : null,
    ended_at: null,
    live_started_at: null,
    live_ended_at: null,
    accepted_by: '{}',
    rejected_by: '{}',
    missed_by: '{}',
    pins: '[]',
  };
}

export type JoinResult = Omit<JoinCallResponse, 'duration'>;

/** The realtime connection a participant joins over, and the node holding it (which may not be this one). */
export interface JoinedOver {
  connectionId: string;
  holder: string;
}

export async function joinCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: JoinCallRequest,
  over?: JoinedOver,
): Promise<JoinResult> {
  const userId = requireActingUserId(actor, req.user_id);
  let created = false;
  if (req.create) {
    // A server-side join creates the call as the joining user unless the body names a creator.
    const data = actor.kind === 'server' ? { created_by_id: userId, ...req.data } : (req.data ?? {});
    const createReq = { ...req, data };
    created = (await getOrCreateCall(ctx, actor, ref, createReq)).created;
  }
  const cid = toCid(ref.type, ref.id);
  const userSessionId = await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      ({ row }) => joinRequirements({ ended: row.ended_at !== null, backstage: row.backstage === 1 }),
      'join call',
    );
    return addParticipant(ctx, tx, call, userId, over ?? null, emit);
  });
  const call = await loadCall(ctx, ctx.store.read, ref.type, cid);
  const response = await buildCallResponse(ctx.store.read, actor, call, req.members_limit ?? DEFAULT_MEMBERS_LIMIT);
  return {
    ...response,
    created,
    credentials: await joinCredentials(ctx, { cid, userId, userSessionId }),
    stats_options: { enable_rtc_stats: false, reporting_interval_ms: 10_000 },
  };
}

/**
 * Where the joiner connects its media: the SFU with a participant token for this participation when the node runs
 * one, otherwise (media off) this node's realtime endpoint with a user token scoped to the call.
 */
async function joinCredentials(ctx: ServiceContext, claims: MediaClaims): Promise<JoinResult['credentials']> {
  const media = ctx.media?.endpoint();
  if (!media) {
    return {
      server: {
        url: ctx.config.publicUrl,
        ws_endpoint: `${ctx.config.publicUrl.replace(/^http/, 'ws')}/video/connect`,
        edge_name: 'switchboard',
      },
      token: await participantToken(ctx, claims.userId, claims.cid),
      ice_servers: [],
    };
  }
  return {
    server: { url: ctx.config.publicUrl, ws_endpoint: media.wsEndpoint, edge_name: media.edgeName },
    token: await mintMediaToken(ctx.config.apiSecret, claims, Math.floor(ctx.clock.now().getTime() / 1000)),
    ice_servers: media.iceServers,
  };
}

/**
 * Records the user in the call's current session, starting one if needed, and returns the participation's
 * user_session_id. Idempotent per user and connection: a user already in the session over the same connection
 * (or, joining without one, already in it without one) keeps that participation, and nothing is written or
 * announced again. The caller holds the call's lock.
 */
export async function addParticipant(
  ctx: ServiceContext,
  tx: Repositories,
  call: LoadedCall,
  userId: string,
  over: JoinedOver | null,
  emit: Emit,
): Promise<string> {
  const connectionId = over?.connectionId ?? null;
  // Only a server token can name the joiner (`user_id`); a user token's user was checked when authenticating.
  const user = await requireExistingUser(tx, userId, 'user_id');
  const now = isoNow(ctx.clock);
  const cid = call.row.cid;
  let session = call.row.current_session_id ? await tx.sessions.get(call.row.current_session_id) : undefined;
  const live = session && session.ended_at === null && session.started_at !== null ? session : undefined;
  if (live) {
    const mine = await tx.sessions.activeParticipantsOf(live.id, userId);
    const same = mine.find((p) => p.connection_id === connectionId);
    if (same) return same.user_session_id;
    requireShareFor(ctx, cid, userId, mine.length - (await inGrace(tx, mine)));
  }
  const member = await tx.members.get(cid, userId);
  const role = participantRole(member?.role, user.role);
  if (live) await requireRoomFor(tx, call, live.id, userId, role);
  let startedNow = false;
  if (!session || session.ended_at !== null) {
    session = newSessionRow(cid, now, true);
    await tx.sessions.insert(session);
    startedNow = true;
  } else if (session.started_at === null) {
    // Rung but not yet joined: the first join starts it.
    await tx.sessions.update(session.id, { started_at: now });
    startedNow = true;
  }
  const participant = {
    user_session_id: randomUUID(),
    session_id: session.id,
    call_cid: cid,
    user_id: userId,
    role,
    joined_at: now,
    left_at: null,
    connection_id: connectionId,
    // The node holding the connection owns the participant's liveness (cluster/node-liveness.ts): not necessarily
    // this one, behind a balancer the WebSocket may live on another node.
    node_id: over?.holder ?? null,
  };
  await tx.sessions.addParticipant(participant);
  await tx.calls.update(cid, { current_session_id: session.id, updated_at: now });
  const model = await loadCallModel(tx, {
    ...call,
    row: { ...call.row, current_session_id: session.id, updated_at: now },
  });
  if (startedNow) emit(CallEvents.sessionStarted(model, session.id, now));
  emit(CallEvents.participantJoined(model, session.id, participantView(participant, userView(user)), now));
  return participant.user_session_id;
}

/**
 * Refuses a join that would take the session over the call settings' `limits.max_participants`. Participants with
 * a role in `max_participants_exclude_roles` (and the call's creator with `max_participants_exclude_owner`) neither
 * count nor are refused. Code 17 (403): the request is valid and may succeed later; the call is full for now.
 */
async function requireRoomFor(
  tx: Repositories,
  call: LoadedCall,
  sessionId: string,
  userId: string,
  role: string,
): Promise<void> {
  const limits = deepMerge(call.type.settings, parseJson(call.row.settings_override, {})).limits;
  const max = limits.max_participants;
  if (max === undefined || max === null) return;
  const excludedRoles = new Set(limits.max_participants_exclude_roles);
  const owner = limits.max_participants_exclude_owner === true ? call.row.created_by_user_id : undefined;
  if (excludedRoles.has(role) || userId === owner) return;
  const byRole = await tx.sessions.activeCountByRole(sessionId);
  let counted = 0;
  for (const [r, n] of Object.entries(byRole)) if (!excludedRoles.has(r)) counted += n;
  if (owner !== undefined) {
    const ownerRows = await tx.sessions.activeParticipantsOf(sessionId, owner);
    counted -= ownerRows.filter((p) => !excludedRoles.has(p.role)).length;
  }
  if (counted >= max) {
    throw notAllowed(`call ${call.row.cid} is full: it allows at most ${max} participants`);
  }
}

/**
 * How many of these participations hang on a closed connection in its grace period (presence.ts): a join over a new
 * connection replaces them once it is in, so a reconnecting user at its share is not refused.
 */
async function inGrace(tx: Repositories, rows: readonly SessionParticipantsTable[]): Promise<number> {
  const keys = rows.flatMap((p) => (p.connection_id === null ? [] : [presenceKey(p.connection_id)]));
  if (keys.length === 0) return 0;
  const jobs = await tx.db.selectFrom('scheduled_jobs').select('key').where('key', 'in', keys).execute();
  const closed = new Set(jobs.map((j) => j.key));
  return keys.filter((k) => closed.has(k)).length;
}

/**
 * Refuses a participation over the user's share of one call (`SWITCHBOARD_MAX_PARTICIPATIONS_PER_USER_PER_CALL`):
 * one user opening connection after connection would otherwise take every seat `max_participants` allows, and every
 * participation is carried in the call's events. Code 17 (403), like a full call: it may succeed once one left.
 */
function requireShareFor(ctx: ServiceContext, cid: string, userId: string, held: number): void {
  const max = ctx.config.participation.maxPerUserPerCall;
  if (held >= max) {
    throw notAllowed(`user ${userId} already holds ${max} participations in call ${cid}: leave one first`);
  }
}

/** Removes the acting user's participations (or one, by `session_id` = user_session_id) from the current session. */
export async function leaveCall(ctx: ServiceContext, actor: Actor, ref: CallRef, req: LeaveCallRequest): Promise<void> {
  const userId = requireActingUserId(actor, req.user_id);
  const cid = toCid(ref.type, ref.id);
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      [OwnCapability.READ_CALL],
      'leave call',
    );
    const sessionId = call.row.current_session_id;
    if (!sessionId) return;
    const mine = await tx.sessions.activeParticipantsOf(sessionId, userId);
    const leaving = mine.filter((p) => req.session_id === undefined || p.user_session_id === req.session_id);
    await removeParticipants(ctx, tx, call, sessionId, leaving, emit);
  });
}

/**
 * Marks participants as left, emitting `call.session_participant_left` for each, and ends the session when
 * nobody is left (counted after the change, under the call's lock). Shared by explicit leave, block and
 * presence-driven leave.
 */
export async function removeParticipants(
  ctx: ServiceContext,
  tx: Repositories,
  call: LoadedCall,
  sessionId: string,
  leaving: readonly SessionParticipantsTable[],
  emit: Emit,
): Promise<void> {
  if (leaving.length === 0) return;
  const now = isoNow(ctx.clock);
  await tx.sessions.markLeft(
    leaving.map((p) => p.user_session_id),
    now,
  );
  const users = await tx.users.getMany(leaving.map((p) => p.user_id));
  const sessionEnds = (await tx.sessions.activeParticipants(sessionId, 1)).length === 0;
  const patch = sessionEnds ? { current_session_id: null, updated_at: now } : { updated_at: now };
  if (sessionEnds) await tx.sessions.update(sessionId, { ended_at: now });
  await tx.calls.update(call.row.cid, patch);
  const model = await loadCallModel(tx, { ...call, row: { ...call.row, ...patch } });
  for (const p of leaving) {
    const user = users.get(p.user_id);
    if (user) emit(CallEvents.participantLeft(model, sessionId, participantView(p, userView(user)), now));
  }
  if (sessionEnds) emit(CallEvents.sessionEnded(model, sessionId, now));
}

/** A user token scoped to this call, handed out as credentials when the node runs no media server. */
async function participantToken(ctx: ServiceContext, userId: string, cid: string): Promise<string> {
  return new SignJWT({ user_id: userId, call_cids: [cid] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('4h')
    .sign(new TextEncoder().encode(ctx.config.apiSecret));
}
