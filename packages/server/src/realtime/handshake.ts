/**
 * The realtime handshake (docs/api.md "Realtime connection"): the client's first message carries its token and the
 * user's details. Same JWT rules as REST (expired → 40, forged → 43, …), with two differences:
 * - server tokens are refused: a realtime connection is always some user's;
 * - like the hosted service does for client-side connects, a user named by a valid token who does not exist yet
 *   is created from `user_details` (role `user`). An existing user's `name`, `image` and `custom` are updated
 *   from `user_details` when they differ; `role` and `teams` never change here. A deleted user is refused.
 * The message passes the checks of a REST body (nesting depth, U+0000, lone surrogates) and `user_details` those
 * of a user upsert (its schema, the custom-size limit included): the two ways in cannot store different things.
 *
 * Two steps, so that the gateway can charge the user's limits in between: `readConnectMessage` checks the message
 * and the token and writes nothing; `admitConnection` then writes the user (only what changed).
 */
import { ConnectUserDetails, type Custom, isCallId, isCallTypeName, isUserId, type User } from '@switchboard/protocol';
import type { ValidateFunction } from 'ajv';
import { authFailed, inputError } from '../domain/errors.js';
import { validationError } from '../http/error-mapper.js';
import { parseJsonInput } from '../http/json-input.js';
import { bodyValidator } from '../http/validation.js';
import type { Authenticator } from '../services/authenticate.js';
import type { InputLimits, ServiceContext } from '../services/context.js';
import { ensureConnectingUser } from '../services/users.js';
import { userView } from '../services/views.js';
import type { ConnectionUser } from './connection.js';

interface UserDetails {
  id?: string;
  name?: string;
  image?: string;
  custom?: Custom;
}

/** A resume after a reconnect (realtime/resume.ts): the last event the client received, and what it watched. */
export interface ResumeRequest {
  lastEventId: string;
  watchCallCids: string[];
}

/** Calls a resuming client may name to watch again (a fraction of the per-connection watch bound). */
export const MAX_RESUME_WATCHES = 100;

interface ConnectMessage {
  token: string;
  details: UserDetails | undefined;
  /** Absent on a first connect. */
  resume: ResumeRequest | undefined;
}

/** A connect message whose token is valid for `userId`: nothing has been written for it yet. */
export interface ConnectRequest extends ConnectMessage {
  userId: string;
}

export interface Handshake {
  user: ConnectionUser;
  me: User;
}

/** Checks the first message and its token; no writes and no user lookup (so nothing to limit has happened yet). */
export async function readConnectMessage(
  ctx: ServiceContext,
  auth: Authenticator,
  text: string,
): Promise<ConnectRequest> {
  const message = parseConnectMessage(text, ctx.config.limits);
  const claims = await auth.verifyToken(message.token);
  if (claims.server === true) throw authFailed('a server token cannot open a realtime connection');
  const userId = claims.user_id;
  if (typeof userId !== 'string' || !isUserId(userId)) throw authFailed('token has no valid user_id claim');
  const details = message.details;
  if (details?.id !== undefined && details.id !== userId) {
    throw authFailed(`user_details.id ${details.id} does not match the token's user ${userId}`);
  }
  return { ...message, userId };
}

/** Creates the user or applies its changed details (nothing when nothing changed), then acts as it. */
export async function admitConnection(
  ctx: ServiceContext,
  auth: Authenticator,
  request: ConnectRequest,
): Promise<Handshake> {
  const { userId, token, details } = request;
  const row = await ensureConnectingUser(ctx, userId, details);
  const actor = await auth.actorForToken(token);
  if (actor.kind !== 'user') throw authFailed('a realtime connection needs a user token');
  return { user: { userId, actor }, me: userView(row, true) };
}

/** One compiled validator per node's limits (the custom-size limit is node configuration). */
const detailsValidators = new WeakMap<InputLimits, ValidateFunction<ConnectUserDetails>>();

function detailsValidator(limits: InputLimits): ValidateFunction<ConnectUserDetails> {
  let validate = detailsValidators.get(limits);
  if (!validate) {
    validate = bodyValidator<ConnectUserDetails>(ConnectUserDetails, limits);
    detailsValidators.set(limits, validate);
  }
  return validate;
}

/** The same JSON rules as REST bodies (depth, U+0000, lone surrogates), and `user_details` as a user upsert's. */
function parseConnectMessage(text: string, limits: InputLimits): ConnectMessage {
  const value = parseJsonInput(text, 'body', { maxDepth: limits.maxJsonDepth });
  if (!isObject(value)) throw inputError('the first message must be a JSON object', 'body');
  if (typeof value.token !== 'string' || value.token === '') throw authFailed('the first message carries no token');
  return {
    token: value.token,
    details: parseDetails(value.user_details, limits),
    resume: parseResume(value.last_event_id, value.watch_call_cids),
  };
}

/** `last_event_id` (an event id: 1–64 characters) and `watch_call_cids` (cids), each optional. */
function parseResume(lastEventId: unknown, watch: unknown): ResumeRequest | undefined {
  if (lastEventId === undefined || lastEventId === null) {
    if (watch !== undefined && watch !== null) {
      throw inputError('watch_call_cids needs last_event_id (it restores watches for a resume)', 'watch_call_cids');
    }
    return undefined;
  }
  if (typeof lastEventId !== 'string' || lastEventId.length === 0 || lastEventId.length > 64) {
    throw inputError('last_event_id must be the id of an event (1-64 characters)', 'last_event_id');
  }
  const cids: string[] = [];
  if (watch !== undefined && watch !== null) {
    if (!Array.isArray(watch) || watch.length > MAX_RESUME_WATCHES) {
      throw inputError(`watch_call_cids must be a list of at most ${MAX_RESUME_WATCHES} call cids`, 'watch_call_cids');
    }
    for (const cid of watch) {
      const [type, id, ...rest] = typeof cid === 'string' ? cid.split(':') : [];
      if (type === undefined || id === undefined || rest.length > 0 || !isCallTypeName(type) || !isCallId(id)) {
        throw inputError('watch_call_cids must list call cids (`type:id`)', 'watch_call_cids');
      }
      cids.push(cid as string);
    }
  }
  return { lastEventId, watchCallCids: [...new Set(cids)] };
}

function parseDetails(value: unknown, limits: InputLimits): UserDetails | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw inputError('user_details must be an object', 'user_details');
  const validate = detailsValidator(limits);
  if (!validate(value)) throw validationError(validate.errors ?? [], 'user_details');
  // Only what a connecting user may change about itself; `role` and `teams` are validated but never applied here.
  const { id, name, image, custom } = value as ConnectUserDetails;
  return {
    ...(id !== undefined ? { id } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(custom !== undefined ? { custom } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
