/**
 * The realtime handshake (docs/api.md "Realtime connection"): the client's first message carries its token and the
 * user's details. Same JWT rules as REST (expired → 40, forged → 43, …), with two differences:
 * - server tokens are refused: a realtime connection is always some user's;
 * - like the hosted service does for client-side connects, a user named by a valid token who does not exist yet
 *   is created from `user_details` (role `user`). An existing user's `name`, `image` and `custom` are updated
 *   from `user_details` when they differ; `role` and `teams` never change here. A deleted user is refused.
 */
import { type Custom, isUserId, type User } from '@switchboard/protocol';
import { authFailed, inputError } from '../domain/errors.js';
import type { Authenticator } from '../services/authenticate.js';
import type { ServiceContext } from '../services/context.js';
import { ensureConnectingUser } from '../services/users.js';
import { userView } from '../services/views.js';
import type { ConnectionUser } from './connection.js';

interface UserDetails {
  id?: string;
  name?: string;
  image?: string;
  custom?: Custom;
}

interface ConnectMessage {
  token: string;
  details: UserDetails | undefined;
}

export interface Handshake {
  user: ConnectionUser;
  me: User;
}

export async function authenticateConnection(
  ctx: ServiceContext,
  auth: Authenticator,
  text: string,
): Promise<Handshake> {
  const message = parseConnectMessage(text);
  const claims = await auth.verifyToken(message.token);
  if (claims.server === true) throw authFailed('a server token cannot open a realtime connection');
  const userId = claims.user_id;
  if (typeof userId !== 'string' || !isUserId(userId)) throw authFailed('token has no valid user_id claim');
  const details = message.details;
  if (details?.id !== undefined && details.id !== userId) {
    throw authFailed(`user_details.id ${details.id} does not match the token's user ${userId}`);
  }
  const row = await ensureConnectingUser(ctx, userId, details);
  const actor = await auth.actorForToken(message.token);
  if (actor.kind !== 'user') throw authFailed('a realtime connection needs a user token');
  return { user: { userId, actor }, me: userView(row, true) };
}

function parseConnectMessage(text: string): ConnectMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw inputError('the first message must be JSON: { token, user_details }', 'body');
  }
  if (!isObject(value)) throw inputError('the first message must be a JSON object', 'body');
  if (typeof value.token !== 'string' || value.token === '') throw authFailed('the first message carries no token');
  return { token: value.token, details: parseDetails(value.user_details) };
}

function parseDetails(value: unknown): UserDetails | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw inputError('user_details must be an object', 'user_details');
  const details: UserDetails = {};
  if (value.id !== undefined) details.id = text(value.id, 'user_details.id', 255);
  if (value.name !== undefined) details.name = text(value.name, 'user_details.name', 1024);
  if (value.image !== undefined) details.image = text(value.image, 'user_details.image', 4096);
  if (value.custom !== undefined) {
    if (!isObject(value.custom)) throw inputError('user_details.custom must be an object', 'user_details.custom');
    details.custom = value.custom;
  }
  return details;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) {
    throw inputError(`${field} must be a string of at most ${max} characters`, field);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
