/**
 * Call actions that are mostly an event: SendCallEvent (custom), VideoPin / VideoUnpin, Block / Unblock user,
 * GoLive / StopLive. Each: guard → decide → commit with its event. Repeating an action that is already in effect
 * (pinning a pinned participant, blocking a blocked user, going live when live) changes nothing and emits nothing.
 */
import {
  type ActingUserRequest,
  type BlockUserRequest,
  type Call,
  CallEvents,
  OwnCapability,
  type PinRequest,
  type SendCallEventRequest,
  toCid,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { inputError } from '../domain/errors.js';
import { capabilitiesByRole } from '../domain/permissions.js';
import { parseJson, toJson } from '../store/json.js';
import type { CallSessionsTable, CallsTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import {
  actingUserId,
  guardCall,
  type LoadedCall,
  loadCall,
  lockCallForChange,
  requireActingUserId,
} from './call-access.js';
import { loadCallModel, loadCallModelWithUsers } from './call-response.js';
import type { CallRef } from './calls.js';
import { commit, commitEvents, type ServiceContext } from './context.js';
import { removeParticipants } from './sessions.js';
import { existingUser, requireExistingUser } from './users.js';
import { userView } from './views.js';

/**
 * The event's `user` is its sender: the token's user, or for a server token the user named by `user_id`. A server
 * token may name nobody (the reference page's `call.sendCustomEvent({ type: 'draw', ... })` from a backend); the
 * call's creator then appears as the sender, so the event keeps its usual shape with a real user in it.
 */
export async function sendCustomEvent(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: SendCallEventRequest,
): Promise<void> {
  const userId = actor.kind === 'server' ? req.user_id : requireActingUserId(actor, req.user_id);
  // Custom payloads are relayed to every watcher: keep them small (the threat is fan-out amplification). Also
  // checked here, not only by the request schema, because the WebSocket and SDK paths reach this use case too.
  const maxBytes = ctx.config.limits.maxCustomBytes;
  if (Buffer.byteLength(JSON.stringify(req.custom)) > maxBytes) {
    throw inputError(`custom must be at most ${maxBytes} bytes of JSON`, 'custom');
  }
  const cid = toCid(ref.type, ref.id);
  // Only an event, no state of the call changes: no transaction and no lock (custom events, reactions, of one call
  // do not queue), and the event joins the outbox group commit.
  await commitEvents(ctx, async (repos, emit) => {
    const call = await loadCall(ctx, repos, ref.type, cid);
    await guardCall(repos, actor, call, [OwnCapability.SEND_EVENT], 'send event');
    // The sender is read with the model's users: one query for both.
    const { model, users } = await loadCallModelWithUsers(repos, call, userId === undefined ? [] : [userId]);
    const sender = userId === undefined ? undefined : existingUser(users.get(userId), userId, 'user_id');
    emit(CallEvents.custom(model, req.custom, sender ? userView(sender) : model.created_by, isoNow(ctx.clock)));
  });
}

interface Pin {
  session_id: string;
  user_id: string;
  pinned_at: string;
}

/** Pins a participant (by `session_id` = their user_session_id) for everyone; the session lists current pins. */
export async function pinVideo(ctx: ServiceContext, actor: Actor, ref: CallRef, req: PinRequest): Promise<void> {
  await changePins(ctx, actor, ref, req, 'pin');
}

export async function unpinVideo(ctx: ServiceContext, actor: Actor, ref: CallRef, req: PinRequest): Promise<void> {
  await changePins(ctx, actor, ref, req, 'unpin');
}

async function changePins(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: PinRequest,
  change: 'pin' | 'unpin',
): Promise<void> {
  const cid = toCid(ref.type, ref.id);
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      [OwnCapability.PIN_FOR_EVERYONE],
      `${change} video`,
    );
    const session = await liveSession(tx, call);
    const pins = parseJson<Pin[]>(session.pins, []);
    const at = pins.findIndex((p) => p.session_id === req.session_id && p.user_id === req.user_id);
    const now = isoNow(ctx.clock);
    if (change === 'pin') {
      if (at >= 0) return;
      const theirs = await tx.sessions.activeParticipantsOf(session.id, req.user_id);
      if (!theirs.some((p) => p.user_session_id === req.session_id)) {
        throw inputError(
          `session_id must be the user_session_id of a participant of user ${req.user_id} in the call's current ` +
            `session; ${JSON.stringify(req.session_id)} is not (find it in GetCall's ` +
            'call.session.participants[].user_session_id or in call.session_participant_joined)',
          'session_id',
        );
      }
      pins.push({ session_id: req.session_id, user_id: req.user_id, pinned_at: now });
    } else {
      if (at < 0) return;
      pins.splice(at, 1);
    }
    await tx.sessions.update(session.id, { pins: toJson(pins) });
    const model = await loadCallModel(tx, call);
    const event = change === 'pin' ? CallEvents.pinned : CallEvents.unpinned;
    emit(event(model, req.session_id, req.user_id, now));
  });
}

async function liveSession(tx: Repositories, call: LoadedCall): Promise<CallSessionsTable> {
  const id = call.row.current_session_id;
  const session = id ? await tx.sessions.get(id) : undefined;
  if (!session || session.ended_at !== null) {
    throw inputError(
      `call ${call.row.cid} has no active session: pins name a participant (session_id = their user_session_id) ` +
        'of the session in progress',
      'session_id',
    );
  }
  return session;
}

/** Blocks a user: they lose every capability on the call and leave its session now. */
export async function blockUser(ctx: ServiceContext, actor: Actor, ref: CallRef, req: BlockUserRequest): Promise<void> {
  const cid = toCid(ref.type, ref.id);
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      [OwnCapability.BLOCK_USERS],
      'block user',
    );
    const target = await requireExistingUser(tx, req.user_id, 'user_id');
    const blocked = parseJson<string[]>(call.row.blocked_user_ids, []);
    if (blocked.includes(req.user_id)) return;
    const now = isoNow(ctx.clock);
    const row = await patchCall(tx, call, { blocked_user_ids: toJson([...blocked, req.user_id]), updated_at: now });
    const blocker = actor.kind === 'user' ? await tx.users.get(actor.userId) : undefined;
    const updated = { ...call, row };
    emit(
      CallEvents.blockedUser(
        await loadCallModel(tx, updated),
        userView(target),
        now,
        blocker ? userView(blocker) : undefined,
      ),
    );
    const sessionId = row.current_session_id;
    if (sessionId) {
      const leaving = await tx.sessions.activeParticipantsOf(sessionId, req.user_id);
      await removeParticipants(ctx, tx, updated, sessionId, leaving, emit);
    }
  });
}

export async function unblockUser(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: BlockUserRequest,
): Promise<void> {
  const cid = toCid(ref.type, ref.id);
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      [OwnCapability.BLOCK_USERS],
      'unblock user',
    );
    const target = await requireExistingUser(tx, req.user_id, 'user_id');
    const blocked = parseJson<string[]>(call.row.blocked_user_ids, []);
    if (!blocked.includes(req.user_id)) return;
    const now = isoNow(ctx.clock);
    const patch = { blocked_user_ids: toJson(blocked.filter((id) => id !== req.user_id)), updated_at: now };
    const row = await patchCall(tx, call, patch);
    emit(CallEvents.unblockedUser(await loadCallModel(tx, { ...call, row }), userView(target), now));
  });
}

/** Takes the call out of backstage (`call.live_started`); the current session records `live_started_at`. */
export function goLive(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: ActingUserRequest,
): Promise<{ call: Call }> {
  return setLive(ctx, actor, ref, true, actingUserId(actor, req.user_id));
}

/** Puts the call back into backstage (`call.updated`); the current session records `live_ended_at`. */
export function stopLive(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  _req: ActingUserRequest,
): Promise<{ call: Call }> {
  return setLive(ctx, actor, ref, false, undefined);
}

/** `byUserId`: who goes live; `call.live_started` names them so that they are not notified of their own act. */
async function setLive(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  live: boolean,
  byUserId: string | undefined,
): Promise<{ call: Call }> {
  const cid = toCid(ref.type, ref.id);
  return commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      [OwnCapability.UPDATE_CALL],
      live ? 'go live' : 'stop live',
    );
    if ((call.row.backstage === 0) === live) return { call: await loadCallModel(tx, call) };
    const now = isoNow(ctx.clock);
    const row = await patchCall(tx, call, { backstage: live ? 0 : 1, updated_at: now });
    if (row.current_session_id) {
      const patch = live ? { live_started_at: now, live_ended_at: null } : { live_ended_at: now };
      await tx.sessions.update(row.current_session_id, patch);
    }
    const model = await loadCallModel(tx, { ...call, row });
    const by = live && byUserId !== undefined ? await tx.users.get(byUserId) : undefined;
    emit(
      live
        ? CallEvents.liveStarted(model, now, by ? userView(by) : undefined)
        : CallEvents.updated(model, capabilitiesByRole(call.type.grants), now),
    );
    return { call: model };
  });
}

async function patchCall(tx: Repositories, call: LoadedCall, patch: Partial<CallsTable>): Promise<CallsTable> {
  await tx.calls.update(call.row.cid, patch);
  return { ...call.row, ...patch };
}
