/**
 * Identifier rules (docs/api.md "Identifiers"). Branded types keep a user id from being passed where a call id belongs.
 */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type UserId = Brand<string, 'UserId'>;
export type CallId = Brand<string, 'CallId'>;
export type CallTypeName = Brand<string, 'CallTypeName'>;
export type CallCid = Brand<string, 'CallCid'>;
export type SessionId = Brand<string, 'SessionId'>;

export const CALL_ID_PATTERN = '^[a-zA-Z0-9_-]{1,64}$';
export const CALL_TYPE_PATTERN = '^[a-z0-9_-]{1,64}$';
/** The longest user id, in code points (what JSON Schema's `maxLength` counts). */
export const USER_ID_MAX_LENGTH = 255;
/**
 * User ids are the app's own ids, so they are as free as they can safely be: spaces and any printable Unicode
 * (`my friend`, `josé`, `山田`, emoji) are fine. Refused: control characters (`\p{Cc}`: they break logs, headers
 * and terminals), lone UTF-16 surrogates (`\p{Cs}` in a `u` regex: PostgreSQL would fold different ones into one
 * id), leading or trailing whitespace (`"jack "` would be a different user from `"jack"` that looks the same), the
 * wildcard `*` alone, and more than {@link USER_ID_MAX_LENGTH} code points. The pattern needs the regex `u` flag,
 * which ajv (the server's validator) uses for every `pattern`.
 */
export const USER_ID_PATTERN = `^(?!\\*$)[^\\s\\p{Cc}\\p{Cs}](?:[^\\p{Cc}\\p{Cs}]{0,${USER_ID_MAX_LENGTH - 2}}[^\\s\\p{Cc}\\p{Cs}])?$`;

const callIdRe = new RegExp(CALL_ID_PATTERN);
const callTypeRe = new RegExp(CALL_TYPE_PATTERN);
const userIdRe = new RegExp(USER_ID_PATTERN, 'u');

export const isCallId = (v: string): v is CallId => callIdRe.test(v);
export const isCallTypeName = (v: string): v is CallTypeName => callTypeRe.test(v);
export const isUserId = (v: string): v is UserId => userIdRe.test(v);

export function toCid(type: CallTypeName | string, id: CallId | string): CallCid {
  return `${type}:${id}` as CallCid;
}
