/**
 * The one place that decides whether a database error means "the database is unreachable right now" (as opposed
 * to a bug, bad data or a constraint): the HTTP layer answers those with a retryable 503 instead of a 500, readiness
 * reports them, and the background loops back off on them. Covers PostgreSQL going away in every way it was seen
 * to: a refused or reset TCP connection, a backend terminated by `pg_terminate_backend` or a restart, a server
 * starting up or shutting down, the connection-exception class, and the pool giving up on a connection.
 */

/** Node socket error codes of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs: 57P01 admin_shutdown (`pg_terminate_backend`, fast shutdown), 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up, recovery), 53300 too_many_connections; class 08 is connection exception.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Messages of node-postgres and its pool that carry no code. */
const MESSAGES = [
  /^Connection terminated/, // "Connection terminated unexpectedly", "Connection terminated due to connection timeout"
  /^timeout exceeded when trying to connect/, // the pool's connectionTimeoutMillis (waiting or connecting)
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const { code, message, errors, cause } = err as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return true;
  }
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  // A dual-stack connect fails with an AggregateError of one error per address.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isDatabaseUnavailable(e, depth + 1))) {
    return true;
  }
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/** A short, log- and readiness-friendly description of why the database is unavailable. */
export function describeUnavailable(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
