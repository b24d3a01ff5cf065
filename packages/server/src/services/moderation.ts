/**
 * Moderation of participants: KickUser (`kick-user`; with `block: true` also `block-users`) and MuteUsers
 * (`mute-users`). Both are decided and recorded here and announced as call events; the media layer follows the
 * events (the kicked user's media connections close, the muted sources stop being forwarded), so a call without
 * media gets the same records and events.
 */
import {
  CallEvents,
  type KickUserRequest,
  type MutedTrack,
  type MuteUsersRequest,
  OwnCapability,
  toCid,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { inputError } from '../domain/errors.js';
import { parseJson, toJson } from '../store/json.js';
import { actingUserId, lockCallForChange } from './call-access.js';
import { loadCallModel } from './call-response.js';
import type { CallRef } from './calls.js';
import { commit, type ServiceContext } from './context.js';
import { removeParticipants } from './sessions.js';
import { requireExistingUser } from './users.js';
import { userView } from './views.js';

const MUTABLE_TRACKS: readonly MutedTrack[] = ['audio', 'video', 'screenshare', 'screenshare_audio'];

/**
 * Removes the user from the call's session now (`call.kicked_user`, then `call.session_participant_left` for each
 * of their participations). They may join again unless `block` also blocked them. Kicking a user who is not in the
 * session still announces the kick (their clients may be about to join).
 */
export async function kickUser(ctx: ServiceContext, actor: Actor, ref: CallRef, req: KickUserRequest): Promise<void> {
  const cid = toCid(ref.type, ref.id);
  const needed = req.block ? [OwnCapability.KICK_USER, OwnCapability.BLOCK_USERS] : [OwnCapability.KICK_USER];
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(ctx, tx, actor, { type: ref.type, cid }, needed, 'kick user');
    const target = await requireExistingUser(tx, req.user_id, 'user_id');
    const now = isoNow(ctx.clock);
    let row = call.row;
    if (req.block) {
      const blocked = parseJson<string[]>(row.blocked_user_ids, []);
      if (!blocked.includes(req.user_id)) {
        const patch = { blocked_user_ids: toJson([...blocked, req.user_id]), updated_at: now };
        await tx.calls.update(cid, patch);
        row = { ...row, ...patch };
      }
    }
    const updated = { ...call, row };
    const model = await loadCallModel(tx, updated);
    const by = actor.kind === 'user' ? await tx.users.get(actor.userId) : undefined;
    emit(CallEvents.kickedUser(model, userView(target), now, by ? userView(by) : undefined));
    if (req.block && row !== call.row) {
      emit(CallEvents.blockedUser(model, userView(target), now, by ? userView(by) : undefined));
    }
    const sessionId = row.current_session_id;
    if (sessionId) {
      const leaving = await tx.sessions.activeParticipantsOf(sessionId, req.user_id);
      await removeParticipants(ctx, tx, updated, sessionId, leaving, emit);
    }
  });
}

/**
 * Mutes the named sources of `user_ids` (or, with `mute_all_users`, of everyone in the session but the caller) for
 * everyone (`call.user_muted`). The mute lasts until the publisher unmutes; it is not a permission change.
 */
export async function muteUsers(ctx: ServiceContext, actor: Actor, ref: CallRef, req: MuteUsersRequest): Promise<void> {
  const tracks = MUTABLE_TRACKS.filter((t) => req[t] === true);
  if (tracks.length === 0) {
    throw inputError('name at least one of audio, video, screenshare, screenshare_audio as true', 'audio');
  }
  if (!req.mute_all_users && (req.user_ids ?? []).length === 0) {
    throw inputError('user_ids must list at least one user unless mute_all_users is true', 'user_ids');
  }
  const cid = toCid(ref.type, ref.id);
  const fromUserId = actingUserId(actor, req.user_id) ?? '';
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(
      ctx,
      tx,
      actor,
      { type: ref.type, cid },
      [OwnCapability.MUTE_USERS],
      'mute users',
    );
    let userIds = [...new Set(req.user_ids ?? [])];
    if (req.mute_all_users) {
      const sessionId = call.row.current_session_id;
      const active = sessionId ? await tx.sessions.activeParticipants(sessionId) : [];
      userIds = [...new Set(active.map((p) => p.user_id))].filter((id) => id !== fromUserId);
    }
    if (userIds.length === 0) return;
    const model = await loadCallModel(tx, call);
    emit(CallEvents.userMuted(model, fromUserId, userIds, tracks, isoNow(ctx.clock)));
  });
}
