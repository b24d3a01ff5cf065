/**
 * Validation and normalisation of filter operands. Each function either returns a value in the exact form the
 * database stores, or throws an input error naming the field path and the operator.
 */
import { inputError } from '../errors.js';

/** Longest string operand; ids are ≤ 255 chars, so this only stops abuse (huge SQL parameters). */
export const MAX_STRING_VALUE = 1024;
/** Longest `$q` / `$autocomplete` needle. */
export const MAX_TEXT_NEEDLE = 256;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(at: string, what: string): never {
  throw inputError(`${at}: ${what}`, at);
}

export function stringValue(value: unknown, at: string, op: string): string {
  if (typeof value !== 'string') fail(at, `${op} needs a string, got ${describe(value)}`);
  if (value.length > MAX_STRING_VALUE) fail(at, `${op} value is longer than ${MAX_STRING_VALUE} characters`);
  return value;
}

export function booleanValue(value: unknown, at: string, op: string): boolean {
  if (typeof value !== 'boolean') fail(at, `${op} needs true or false, got ${describe(value)}`);
  return value;
}

/** A JSON scalar for `custom.<key>`; numbers must be finite (JSON has no NaN/Infinity). */
export function jsonScalar(
  value: unknown,
  at: string,
  op: string,
  allowNull: boolean,
): string | number | boolean | null {
  if (value === null && allowNull) return null;
  if (typeof value === 'string') return stringValue(value, at, op);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value;
  return fail(
    at,
    `${op} needs a string, number${allowNull ? ', boolean or null' : ' or boolean'}, got ${describe(value)}`,
  );
}

/** Lower-cases ASCII letters only, matching SQLite's lower() and PostgreSQL's lower() under collation "C". */
export const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * `$q` keeps the needle as given (substring match); `$autocomplete` trims it (a word prefix never starts with a
 * space). Both compare ASCII case-insensitively, so the needle is lower-cased here once.
 */
export function textNeedle(value: unknown, at: string, op: '$q' | '$autocomplete'): string {
  if (typeof value !== 'string') fail(at, `${op} needs a string, got ${describe(value)}`);
  const needle = op === '$autocomplete' ? value.trim() : value;
  if (needle.length === 0) fail(at, `${op} needs a non-empty string`);
  if (needle.length > MAX_TEXT_NEEDLE) fail(at, `${op} value is longer than ${MAX_TEXT_NEEDLE} characters`);
  return asciiLower(needle);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

export interface DateValue {
  /** `YYYY-MM-DDTHH:mm:ss.sssZ`, the stored format, so text comparison in SQL is time comparison. */
  iso: string;
  /** The input had non-zero digits below the millisecond, which stored times never have. */
  subMillisecond: boolean;
}

/**
 * Parses an RFC 3339 date-time (any offset, up to nanoseconds, as Go and Python clients send) into the stored
 * format. Calendar fields are range-checked here because `Date` silently rolls "February 30" into March.
 */
export function dateValue(value: unknown, at: string, op: string): DateValue {
  const bad = (): never =>
    fail(at, `${op} needs an RFC 3339 date-time string (e.g. 2024-05-01T12:00:00Z), got ${describe(value)}`);
  if (typeof value !== 'string' || value.length > 64) return bad();
  const m = RFC3339.exec(value);
  if (!m) return bad();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? '';
  const offsetMinutes = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  const daysInMonth = month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return bad();
  if (Number(m[9] ?? 0) > 23 || Number(m[10] ?? 0) > 59) return bad();
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  // setUTCFullYear, unlike Date.UTC, takes years below 100 literally.
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, millis);
  const iso = new Date(local.getTime() - offsetMinutes * 60_000).toISOString();
  // Outside years 0000–9999 toISOString widens the year, which would break fixed-width text ordering.
  if (iso.length !== 24) return bad();
  return { iso, subMillisecond: /[1-9]/.test(fraction.slice(3)) };
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
