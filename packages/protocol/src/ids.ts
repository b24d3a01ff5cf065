/**
 * Identifier rules (API.md "Conventions"). Branded types keep a user id from being passed where a call id belongs.
 */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type UserId = Brand<string, 'UserId'>;
export type CallId = Brand<string, 'CallId'>;
export type CallTypeName = Brand<string, 'CallTypeName'>;
export type CallCid = Brand<string, 'CallCid'>;
export type SessionId = Brand<string, 'SessionId'>;

export const CALL_ID_PATTERN = '^[a-zA-Z0-9_-]{1,64}$';
export const CALL_TYPE_PATTERN = '^[a-z0-9_-]{1,64}$';
/** 1–255 chars, no whitespace, and not the wildcard `*`. */
export const USER_ID_PATTERN = '^(?!\\*$)[^\\s]{1,255}$';

const callIdRe = new RegExp(CALL_ID_PATTERN);
const callTypeRe = new RegExp(CALL_TYPE_PATTERN);
const userIdRe = new RegExp(USER_ID_PATTERN);

export const isCallId = (v: string): v is CallId => callIdRe.test(v);
export const isCallTypeName = (v: string): v is CallTypeName => callTypeRe.test(v);
export const isUserId = (v: string): v is UserId => userIdRe.test(v);

export function toCid(type: CallTypeName | string, id: CallId | string): CallCid {
  return `${type}:${id}` as CallCid;
}
