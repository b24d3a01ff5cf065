/**
 * Call type use cases: list, get, create, update, delete, and seeding the built-in types. Managing call types is
 * an app-level operation, so it needs a server token.
 */
import type { CallType, CreateCallTypeRequest, UpdateCallTypeRequest } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { BUILTIN_CALL_TYPES } from '../domain/builtin-call-types.js';
import { isoNow } from '../domain/clock.js';
import { inputError, notAllowed, notFound } from '../domain/errors.js';
import { DEFAULT_CALL_SETTINGS, DEFAULT_NOTIFICATION_SETTINGS, deepMerge } from '../domain/settings.js';
import { toJson } from '../store/json.js';
import type { CallTypesTable } from '../store/schema.js';
import { endRevokedOfCallType } from './access-revocation.js';
import { callTypeFromRow } from './call-type-cache.js';
import { commit, type ServiceContext } from './context.js';
import { callTypeView } from './views.js';

function requireServer(actor: Actor, operation: string): void {
  if (actor.kind !== 'server') throw notAllowed(`${operation} requires server-side auth`);
}

function dedupeGrants(grants: Record<string, readonly string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(grants).map(([role, caps]) => [role, [...new Set(caps)]]));
}

/** Inserts the built-in types that are missing; existing ones (possibly edited by the app) are left alone. */
export async function seedBuiltinCallTypes(ctx: ServiceContext): Promise<void> {
  await commit(ctx, async (tx) => {
    const now = isoNow(ctx.clock);
    for (const seed of BUILTIN_CALL_TYPES) {
      await tx.callTypes.insertIfAbsent({
        name: seed.name,
        grants: toJson(seed.grants),
        settings: toJson(deepMerge(DEFAULT_CALL_SETTINGS, seed.settings)),
        notification_settings: toJson(DEFAULT_NOTIFICATION_SETTINGS),
        created_at: now,
        updated_at: now,
      });
    }
  });
}

export async function listCallTypes(ctx: ServiceContext, actor: Actor): Promise<Record<string, CallType>> {
  requireServer(actor, 'ListCallTypes');
  const rows = await ctx.store.read.callTypes.list();
  return Object.fromEntries(rows.map((r) => [r.name, callTypeView(callTypeFromRow(r))]));
}

export async function getCallType(ctx: ServiceContext, actor: Actor, name: string): Promise<CallType> {
  requireServer(actor, 'GetCallType');
  const row = await ctx.store.read.callTypes.get(name);
  if (!row) throw notFound(`call type ${name} does not exist`);
  return callTypeView(callTypeFromRow(row));
}

export async function createCallType(ctx: ServiceContext, actor: Actor, req: CreateCallTypeRequest): Promise<CallType> {
  requireServer(actor, 'CreateCallType');
  const now = isoNow(ctx.clock);
  const row: CallTypesTable = {
    name: req.name,
    grants: toJson(dedupeGrants(req.grants ?? {})),
    settings: toJson(deepMerge(DEFAULT_CALL_SETTINGS, req.settings ?? {})),
    notification_settings: toJson(deepMerge(DEFAULT_NOTIFICATION_SETTINGS, req.notification_settings ?? {})),
    created_at: now,
    updated_at: now,
  };
  const inserted = await commit(ctx, (tx) => tx.callTypes.insertIfAbsent(row));
  if (!inserted) throw inputError(`call type ${req.name} already exists`, 'name');
  await ctx.bus.notify({ kind: 'call_type_changed', name: req.name, grants_changed: false });
  return callTypeView(callTypeFromRow(row));
}

/**
 * Grants given for a role replace that role's grants; roles not mentioned keep theirs. Settings deep-merge.
 * Takes effect on the next request (the cache entry is dropped after the commit).
 */
export async function updateCallType(
  ctx: ServiceContext,
  actor: Actor,
  name: string,
  req: UpdateCallTypeRequest,
): Promise<CallType> {
  requireServer(actor, 'UpdateCallType');
  const updated = await commit(ctx, async (tx) => {
    const row = await tx.callTypes.get(name);
    if (!row) throw notFound(`call type ${name} does not exist`);
    const current = callTypeFromRow(row);
    const next: CallTypesTable = {
      ...row,
      grants: toJson(req.grants ? { ...current.grants, ...dedupeGrants(req.grants) } : current.grants),
      settings: toJson(deepMerge(current.settings, req.settings ?? {})),
      notification_settings: toJson(deepMerge(current.notification_settings, req.notification_settings ?? {})),
      updated_at: isoNow(ctx.clock),
    };
    const { name: _n, created_at: _c, ...patch } = next;
    await tx.callTypes.update(name, patch);
    return next;
  });
  // Every call of the type shows the type's settings; watchers may have lost read-call (on every node).
  await ctx.bus.notify({ kind: 'call_type_changed', name, grants_changed: req.grants !== undefined });
  // After the notice: every node (this one too) now reads the new grants.
  if (req.grants !== undefined) await endRevokedOfCallType(ctx, name);
  return callTypeView(callTypeFromRow(updated));
}

export async function deleteCallType(ctx: ServiceContext, actor: Actor, name: string): Promise<void> {
  requireServer(actor, 'DeleteCallType');
  await commit(ctx, async (tx) => {
    if (!(await tx.callTypes.get(name))) throw notFound(`call type ${name} does not exist`);
    if (await tx.callTypes.inUse(name)) throw inputError(`call type ${name} is used by existing calls`, 'name');
    await tx.callTypes.delete(name);
  });
  await ctx.bus.notify({ kind: 'call_type_changed', name, grants_changed: false });
}
