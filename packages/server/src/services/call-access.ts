/**
 * Loading a call with its type, and the permission guards every call operation starts with.
 */

import { ALL_CAPABILITIES, GlobalRole, type OwnCapability } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { deepFreeze } from '../domain/deep-freeze.js';
import { inputError, notAllowed, notFound } from '../domain/errors.js';
import { capabilitiesFor, requireCapabilities } from '../domain/permissions.js';
import { parseJson } from '../store/json.js';
import type { CallsTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import type { CallTypeDefinition } from './call-type-cache.js';
import type { ServiceContext } from './context.js';

export interface LoadedCall {
  row: CallsTable;
  type: CallTypeDefinition;
}

export async function requireCallType(
  ctx: ServiceContext,
  name: string,
  repos?: Repositories,
): Promise<CallTypeDefinition> {
  const type = await ctx.callTypes.get(name, repos);
  if (!type) throw notFound(`call type ${name} does not exist`);
  return type;
}

/**
 * The live call or a 404. The call type is checked first so an unknown type reads as such. `includeDeleted` also
 * finds a soft-deleted call (only hard delete needs it: it is how a deleted call's id becomes free again).
 */
export async function loadCall(
  ctx: ServiceContext,
  repos: Repositories,
  type: string,
  cid: string,
  options: { includeDeleted?: boolean } = {},
): Promise<LoadedCall> {
  const callType = await requireCallType(ctx, type, repos);
  const row = options.includeDeleted ? await repos.calls.getAny(cid) : await repos.calls.get(cid);
  if (!row) throw notFound(`call ${cid} does not exist`);
  return { row, type: callType };
}

/** Which call a change is about: its type (checked first, so an unknown type reads as such) and cid. */
export interface CallTarget {
  type: string;
  cid: string;
}

/** The capabilities an operation needs, fixed or depending on the call's state (joining an ended call, ...). */
export type NeededCapabilities = readonly OwnCapability[] | ((call: LoadedCall) => readonly OwnCapability[]);

/**
 * The prologue of every transaction that changes a call, its members, its session or its JSON columns: locks the
 * call row (PostgreSQL `FOR UPDATE`; see CallStore.getForUpdate), loads its type, then guards token scope and
 * capabilities on what it read under the lock. Two writers of one call thus never start from the same state:
 * parallel joins share one session, the last leave ends it, JSON columns (blocked users, pins, ring answers,
 * settings_override) lose no update. Writers of different calls do not wait for each other. Returns the call and
 * the capabilities the actor holds on it.
 */
export async function lockCallForChange(
  ctx: ServiceContext,
  tx: Repositories,
  actor: Actor,
  target: CallTarget,
  needed: NeededCapabilities,
  operation: string,
  options: { includeDeleted?: boolean } = {},
): Promise<LoadedCall & { capabilities: OwnCapability[] }> {
  const callType = await requireCallType(ctx, target.type, tx);
  const row = await tx.calls.getForUpdate(target.cid, options);
  if (!row) throw notFound(`call ${target.cid} does not exist`);
  const call = { row, type: callType };
  const capabilities = await guardCall(
    tx,
    actor,
    call,
    typeof needed === 'function' ? needed(call) : needed,
    operation,
  );
  return { ...call, capabilities };
}

/**
 * Like lockCallForChange for work no caller's capabilities decide (presence timeouts, ring timers): the locked
 * live call, or undefined when it is gone.
 */
export async function lockCallIfPresent(
  ctx: ServiceContext,
  tx: Repositories,
  cid: string,
): Promise<LoadedCall | undefined> {
  const row = await tx.calls.getForUpdate(cid);
  const type = row ? await ctx.callTypes.get(row.type, tx) : undefined;
  return row && type ? { row, type } : undefined;
}

/** A token restricted to some calls (`call_cids`) may not touch any other (docs/api.md behaviour choice: code 17). */
export function requireTokenScope(actor: Actor, cid: string): void {
  if (actor.kind === 'user' && actor.callCids && !actor.callCids.includes(cid)) {
    throw notAllowed(`token is not valid for call ${cid}`);
  }
}

/** The caller's capabilities on a call. Server actors hold every capability. */
export async function actorCapabilities(repos: Repositories, actor: Actor, call: LoadedCall): Promise<OwnCapability[]> {
  const member = actor.kind === 'user' ? await repos.members.get(call.row.cid, actor.userId) : undefined;
  return capabilitiesOf(actor, call, member?.role);
}

/** Every capability, frozen: one shared array for every server-token reply (its JSON is reused). */
const SERVER_CAPABILITIES = deepFreeze([...ALL_CAPABILITIES]);

/** Like actorCapabilities, when the caller's membership (`memberRole`, undefined for non-members) is known. */
export function capabilitiesOf(actor: Actor, call: LoadedCall, memberRole: string | undefined): OwnCapability[] {
  if (actor.kind === 'server') return SERVER_CAPABILITIES;
  if (actor.kind === 'anonymous') return capabilitiesFor(call.type.grants, { globalRole: GlobalRole.ANONYMOUS });
  const blocked = parseJson<string[]>(call.row.blocked_user_ids, []).includes(actor.userId);
  return capabilitiesFor(call.type.grants, { globalRole: actor.role, memberRole, blocked });
}

/** Guard at the top of a call operation: token scope, then the capabilities it needs. */
export async function guardCall(
  repos: Repositories,
  actor: Actor,
  call: LoadedCall,
  needed: readonly OwnCapability[],
  operation: string,
): Promise<OwnCapability[]> {
  requireTokenScope(actor, call.row.cid);
  const held = await actorCapabilities(repos, actor, call);
  requireCapabilities(held, needed, operation);
  return held;
}

/**
 * The user a request acts as: the token's user, or for server tokens the id named in the body (`user_id`,
 * `created_by_id`). Returns undefined for server requests that name nobody.
 */
export function actingUserId(actor: Actor, named?: string): string | undefined {
  if (actor.kind === 'user') return actor.userId;
  if (actor.kind === 'server') return named;
  return undefined;
}

/** Like actingUserId, for operations that cannot happen without a user. */
export function requireActingUserId(actor: Actor, named: string | undefined, field = 'user_id'): string {
  const id = actingUserId(actor, named);
  if (id === undefined) {
    throw inputError(`${field} is required when using server-side auth`, field);
  }
  return id;
}
