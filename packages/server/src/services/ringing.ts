/**
 * Ringing use cases: Ring (and `ring` / `notify` on GetOrCreateCall and JoinCall), AcceptCall, RejectCall, and the
 * ring timeout. The rules live in domain/ring/ring-state.ts; this file applies its effects: session fields
 * (`accepted_by`, `rejected_by`, `missed_by`), events, and the end of a session nobody joined.
 *
 * - Ringing needs `create-call` and the caller must be a member. Callees are `members_ids` (each must be a member)
 *   or, by default, every member but the caller and those already in the session.
 * - A ring uses the call's current session, or starts one (not yet `started_at`) and makes it current.
 * - When a ring ends with nobody having accepted and nobody in the session, that session ends silently: it is
 *   marked ended and `current_session_id` is cleared in the transaction of the last ring event (`call.rejected`
 *   or `call.missed`), without a `call.session_ended` since it never started.
 */
import {
  type ActingUserRequest,
  CallEvents,
  OwnCapability,
  type RejectCallRequest,
  type RingCallRequest,
  toCid,
} from '@switchboard/protocol';
import type { EventBus } from '../bus/event-bus.js';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { inputError, notAllowed } from '../domain/errors.js';
import { nextDeadline, type RingEffect, ringAgain, startRing, stepRing } from '../domain/ring/ring-state.js';
import { parseJson, toJson } from '../store/json.js';
import { allMembers } from '../store/realtime-queries.js';
import type { CallSessionsTable } from '../store/schema.js';
import type { Repositories, Store } from '../store/store.js';
import { type LoadedCall, lockCallForChange, lockCallIfPresent, requireActingUserId } from './call-access.js';
import { loadCallModel, membersWithUsers } from './call-response.js';
import type { CallRef } from './calls.js';
import { commit, type Emit, type ServiceContext } from './context.js';
import type { RingTracker } from './ring-tracker.js';
import { newSessionRow } from './sessions.js';
import { missingUserView, userView } from './views.js';

export interface RingOptions {
  /** Who to ring; all members but the caller and current participants when absent. */
  memberIds?: readonly string[] | undefined;
  video: boolean;
  ring: boolean;
  notify: boolean;
}

export async function ringCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: RingCallRequest,
): Promise<{ members_ids: string[] }> {
  const callerId = requireActingUserId(actor, req.user_id);
  const options = { memberIds: req.members_ids, video: req.video ?? false, ring: true, notify: false };
  return { members_ids: await ringMembers(ctx, actor, ref, callerId, options) };
}

/** Rings and/or notifies members of a call on behalf of `callerId`; returns who was reached. */
export function ringMembers(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  callerId: string,
  options: RingOptions,
): Promise<string[]> {
  const cid = toCid(ref.type, ref.id);
  return ctx.rings.lock.run(cid, async () => {
    const now = isoNow(ctx.clock);
    const rung = await commit(ctx, async (tx, emit) => {
      const target = { type: ref.type, cid };
      const call = await lockCallForChange(ctx, tx, actor, target, [OwnCapability.CREATE_CALL], 'ring call');
      if (call.row.ended_at !== null) throw inputError(`call ${cid} has ended`, 'id');
      const members = await allMembers(tx, cid);
      if (!members.some((m) => m.user_id === callerId)) {
        throw notAllowed(`user ${callerId} must be a member of the call to ring it`);
      }
      const existing = call.row.current_session_id ? await tx.sessions.get(call.row.current_session_id) : undefined;
      const current = existing && existing.ended_at === null ? existing : undefined;
      const inSession = new Set(
        current ? (await tx.sessions.activeParticipants(current.id)).map((p) => p.user_id) : [],
      );
      const callees = chooseCallees(members, callerId, options.memberIds, inSession);
      if (callees.length === 0) return undefined;
      let session = current;
      let row = call.row;
      if (!session && options.ring) {
        session = newSessionRow(cid, now, false);
        await tx.sessions.insert(session);
        row = { ...row, current_session_id: session.id, updated_at: now };
        await tx.calls.update(cid, { current_session_id: session.id, updated_at: now });
      }
      const model = await loadCallModel(tx, { ...call, row });
      const calleeMembers = await membersWithUsers(
        tx,
        members.filter((m) => callees.includes(m.user_id)),
      );
      const caller = await callerView(tx, callerId, now);
      const sessionId = session?.id ?? '';
      if (options.ring) emit(CallEvents.ring(model, sessionId, calleeMembers, caller, options.video, now));
      if (options.notify) emit(CallEvents.notification(model, sessionId, calleeMembers, caller, now));
      let dueAt: number | undefined;
      if (options.ring) {
        const timeouts = {
          autoCancelMs: model.settings.ring.auto_cancel_timeout_ms,
          incomingMs: model.settings.ring.incoming_call_timeout_ms,
        };
        const at = Date.parse(now);
        // Read under the call's lock: one call's ring operations are serialised on every node.
        const before = await ctx.rings.load(tx, cid);
        const state =
          before && before.sessionId === sessionId
            ? ringAgain(before, callees, timeouts, at)
            : startRing(sessionId, callerId, callees, timeouts, at);
        dueAt = await ctx.rings.save(tx, cid, state);
      }
      return { callees, dueAt };
    });
    if (rung && options.ring) ctx.rings.wake(cid, rung.dueAt);
    return rung?.callees ?? [];
  });
}

function chooseCallees(
  members: readonly { user_id: string }[],
  callerId: string,
  requested: readonly string[] | undefined,
  inSession: ReadonlySet<string>,
): string[] {
  if (requested === undefined) {
    return members.map((m) => m.user_id).filter((id) => id !== callerId && !inSession.has(id));
  }
  const memberSet = new Set(members.map((m) => m.user_id));
  requested.forEach((id, i) => {
    if (!memberSet.has(id)) throw inputError(`user ${id} is not a member of the call`, `members_ids[${i}]`);
  });
  return [...new Set(requested)].filter((id) => id !== callerId);
}

export async function acceptCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: ActingUserRequest,
): Promise<void> {
  const userId = requireActingUserId(actor, req.user_id);
  await answerCall(ctx, actor, ref, userId, 'accept');
}

export async function rejectCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: RejectCallRequest,
): Promise<void> {
  const userId = requireActingUserId(actor, req.user_id);
  await answerCall(ctx, actor, ref, userId, 'reject', req.reason);
}

/** Accept / reject: recorded on the current session, announced, and fed to the ring of that session if any. */
async function answerCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  userId: string,
  answer: 'accept' | 'reject',
  reason?: string,
): Promise<void> {
  const cid = toCid(ref.type, ref.id);
  await ctx.rings.lock.run(cid, async () => {
    const ringing = await commit(ctx, async (tx, emit) => {
      // Answering needs no capability (a callee may answer any ring of its call); the lock still comes first.
      const call = await lockCallForChange(ctx, tx, actor, { type: ref.type, cid }, [], `${answer} call`);
      if (!(await tx.members.get(cid, userId))) {
        throw notAllowed(`user ${userId} must be a member of the call to ${answer} it`);
      }
      if (parseJson<string[]>(call.row.blocked_user_ids, []).includes(userId)) {
        throw notAllowed(`user ${userId} is blocked from the call and may not ${answer} it`);
      }
      const now = isoNow(ctx.clock);
      const before = await ctx.rings.load(tx, cid);
      const session = await currentSession(tx, call);
      if (session) await recordAnswers(tx, session, answer === 'accept' ? 'accepted_by' : 'rejected_by', [userId], now);
      const step =
        before && session && before.sessionId === session.id
          ? stepRing(before, { kind: answer, userId }, Date.parse(now))
          : undefined;
      const dueAt = step ? await ctx.rings.save(tx, cid, step.state) : undefined;
      const missed = session && step ? await applyRingEffects(tx, call, session, step.effects, now) : [];
      const model = await reloadModel(tx, call);
      const user = await callerView(tx, userId, now);
      emit(answer === 'accept' ? CallEvents.accepted(model, user, now) : CallEvents.rejected(model, user, now, reason));
      if (before && session) await emitMissed(tx, model, session.id, before.callerId, missed, now, emit);
      return step ? { dueAt } : undefined;
    });
    if (ringing) ctx.rings.wake(cid, ringing.dueAt);
  });
}

/**
 * A ring's timeout is due (durable job `ring:<cid>`, run by whichever node claimed it): callees still ringing have
 * missed the call. One transaction locks the call, re-reads the ring, applies the tick and stores the next state,
 * so however many nodes run it, `call.missed` is emitted once; if it fails nothing changed and the job is retried
 * (`call.missed` is delayed, never lost).
 */
export async function ringTimedOut(ctx: ServiceContext, cid: string): Promise<void> {
  await ctx.rings.lock.run(cid, async () => {
    const next = await commit(ctx, async (tx, emit) => {
      const call = await lockCallIfPresent(ctx, tx, cid);
      const before = await ctx.rings.load(tx, cid);
      if (!before) return { dueAt: undefined };
      if (!call || call.row.current_session_id !== before.sessionId) {
        await ctx.rings.clear(tx, cid); // the call or its session is gone: so is the ring
        return { dueAt: undefined };
      }
      const nowMs = ctx.clock.now().getTime();
      const due = nextDeadline(before);
      if (due === undefined || due > nowMs) return { dueAt: due }; // rung again meanwhile: not due yet
      const step = stepRing(before, { kind: 'tick' }, nowMs);
      const session = await currentSession(tx, call);
      if (!session) {
        await ctx.rings.clear(tx, cid);
        return { dueAt: undefined };
      }
      if (step.effects.length > 0) {
        const now = isoNow(ctx.clock);
        const missed = await applyRingEffects(tx, call, session, step.effects, now);
        const model = await reloadModel(tx, call);
        await emitMissed(tx, model, session.id, before.callerId, missed, now, emit);
      }
      return { dueAt: await ctx.rings.save(tx, cid, step.state) };
    });
    ctx.rings.wake(cid, next.dueAt);
  });
}

/** Writes what the ring's effects mean for the session; returns who missed the call. */
async function applyRingEffects(
  tx: Repositories,
  call: LoadedCall,
  session: CallSessionsTable,
  effects: readonly RingEffect[],
  now: string,
): Promise<string[]> {
  const missed = effects.flatMap((e) => (e.kind === 'missed' ? e.userIds : []));
  if (missed.length) await recordAnswers(tx, session, 'missed_by', missed, now);
  const ended = effects.find((e) => e.kind === 'ended');
  if (ended && ended.outcome !== 'answered' && session.started_at === null) {
    const active = await tx.sessions.activeParticipants(session.id);
    if (active.length === 0) {
      await tx.sessions.update(session.id, { ended_at: now });
      await tx.calls.update(call.row.cid, { current_session_id: null, updated_at: now });
    }
  }
  return missed;
}

async function emitMissed(
  tx: Repositories,
  model: Awaited<ReturnType<typeof loadCallModel>>,
  sessionId: string,
  callerId: string,
  missed: readonly string[],
  now: string,
  emit: Emit,
): Promise<void> {
  if (missed.length === 0) return;
  const rows = await tx.members.getMany(model.cid, missed);
  const members = await membersWithUsers(tx, rows);
  emit(CallEvents.missed(model, sessionId, members, await callerView(tx, callerId, now), now));
}

async function currentSession(tx: Repositories, call: LoadedCall): Promise<CallSessionsTable | undefined> {
  const id = call.row.current_session_id;
  const session = id ? await tx.sessions.get(id) : undefined;
  return session && session.ended_at === null ? session : undefined;
}

type AnswerColumn = 'accepted_by' | 'rejected_by' | 'missed_by';

/**
 * Adds user → time entries to one of the session's answer maps (re-read inside the transaction). Through a Map and
 * back with Object.fromEntries: user ids are client-chosen, and `map['__proto__'] = now` on a plain object would
 * set its prototype and lose the answer.
 */
async function recordAnswers(
  tx: Repositories,
  session: CallSessionsTable,
  column: AnswerColumn,
  userIds: readonly string[],
  now: string,
): Promise<void> {
  const fresh = (await tx.sessions.get(session.id)) ?? session;
  const map = new Map(Object.entries(parseJson<Record<string, string>>(fresh[column], {})));
  for (const id of userIds) map.set(id, now);
  await tx.sessions.update(session.id, { [column]: toJson(Object.fromEntries(map)) });
}

async function reloadModel(tx: Repositories, call: LoadedCall) {
  const row = (await tx.calls.get(call.row.cid)) ?? call.row;
  return loadCallModel(tx, { ...call, row });
}

async function callerView(tx: Repositories, userId: string, now: string) {
  const row = await tx.users.get(userId);
  return row ? userView(row) : missingUserView(userId, now);
}

/**
 * Forgets rings whose call ended or was deleted, or whose session ended (everyone left). Returns the unsubscribe
 * function; the composition root wires it to the node's bus.
 */
export function dropRingsOnEnd(
  bus: EventBus,
  store: Store,
  rings: RingTracker,
  onError: (err: unknown) => void,
): () => void {
  const drop = (cid: string, sessionId?: string) =>
    // A local wake-up still armed for it finds the job gone and does nothing.
    rings.forget(store.read, cid, sessionId).catch(onError);
  return bus.subscribe((event) => {
    if (event.type === 'call.ended' || event.type === 'call.deleted') void drop(event.call_cid);
    else if (event.type === 'call.session_ended') void drop(event.call_cid, event.session_id);
  });
}
