/**
 * Permission resolution (DESIGN.md "Rules that cut across"). Pure: callers pass everything it needs.
 *
 * effective = grants[globalRole] ∪ (member ? grants.call_member ∪ grants[memberRole] : ∅), minus what the call's
 * state forbids. Server actors bypass this entirely (they hold every capability).
 */
import {
  ALL_CAPABILITIES,
  CALL_MEMBER_ROLE,
  type OwnCapability as Capability,
  OwnCapability,
} from '@switchboard/protocol';
import { notAllowed } from './errors.js';

export type Grants = Readonly<Record<string, readonly string[]>>;

export interface PermissionSubject {
  /** The user's global role (`user`, `admin`, `anonymous`, …). */
  globalRole: string;
  /** The user's call-level role when the user is a member of the call; undefined for non-members. */
  memberRole?: string | undefined;
  /** The user is on the call's block list. */
  blocked?: boolean;
}

/**
 * The grants of one role: its own entry only, never something inherited from Object.prototype (a role named
 * `constructor` or `toString` would otherwise resolve to a function), and only the strings of a list.
 */
export function grantsOf(grants: Grants, role: string): readonly string[] {
  if (!Object.hasOwn(grants, role)) return [];
  const caps: unknown = grants[role];
  return Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [];
}

/** Ordered as in the catalogue so responses are stable. */
export function capabilitiesFor(grants: Grants, subject: PermissionSubject): Capability[] {
  if (subject.blocked) return [];
  const held = new Set<string>(grantsOf(grants, subject.globalRole));
  if (subject.memberRole !== undefined) {
    for (const c of grantsOf(grants, CALL_MEMBER_ROLE)) held.add(c);
    for (const c of grantsOf(grants, subject.memberRole)) held.add(c);
  }
  return ALL_CAPABILITIES.filter((c) => held.has(c));
}

/** The capabilities every role of a call type holds, as `capabilities_by_role` in events. */
export function capabilitiesByRole(grants: Grants): Record<string, string[]> {
  // Object.entries and Object.fromEntries see and make own properties only, so even a `__proto__` role stays data.
  return Object.fromEntries(
    Object.keys(grants).map((role) => {
      const caps = grantsOf(grants, role);
      return [role, ALL_CAPABILITIES.filter((c) => caps.includes(c))];
    }),
  );
}

export interface CallState {
  ended: boolean;
  /** The call is in backstage (backstage enabled and not live). */
  backstage: boolean;
}

/**
 * Which capability joining needs in the call's current state: an ended call needs `join-ended-call`, a call in
 * backstage needs `join-backstage`, otherwise `join-call`. Returns every capability that must be held.
 */
export function joinRequirements(state: CallState): Capability[] {
  const required: Capability[] = [OwnCapability.JOIN_CALL];
  if (state.ended) return [OwnCapability.JOIN_ENDED_CALL];
  if (state.backstage) required.push(OwnCapability.JOIN_BACKSTAGE);
  return required;
}

/** Guard: throws code 17 naming the missing capability. */
export function requireCapabilities(held: readonly string[], needed: readonly Capability[], operation: string): void {
  const missing = needed.filter((c) => !held.includes(c));
  if (missing.length > 0) {
    throw notAllowed(`User is not allowed to ${operation}: missing capability ${missing.join(', ')}`);
  }
}
