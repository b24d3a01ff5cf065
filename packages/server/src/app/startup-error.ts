/**
 * Why a node cannot start, as the one line an operator reads: which setting (or which part of the environment) is
 * wrong and what to do about it. `npm start`, `switchboard start` and `switchboard config check` print these
 * without a stack trace and exit with code 1; anything else that fails at start is a bug and keeps its stack.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** The system error code of a failed connect or listen (`AggregateError`s of a dual-stack connect included). */
export function errorCode(err: unknown): string | undefined {
  if (err instanceof AggregateError) return errorCode(err.errors[0]);
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A connect error's own words; a dual-stack connect's `AggregateError` has an empty message of its own. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorText(err.errors[0]);
  return err instanceof Error && err.message ? err.message : String(errorCode(err) ?? err);
}

/** The failed `listen` on HOST:PORT, said with the setting to change. */
export function listenFailure(err: unknown, host: string, port: number): StartupError | undefined {
  const where = `${host}:${port}`;
  switch (errorCode(err)) {
    case 'EADDRINUSE':
      return new StartupError(
        `PORT ${port} on ${host} is already in use by another process: stop it, or set PORT to a free port`,
      );
    case 'EACCES':
      return new StartupError(
        `PORT ${port}: not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `HOST ${host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1, 0.0.0.0, …)`,
      );
    default:
      return undefined;
  }
}

/** File system answers (and SQLite's, for its database file) meaning the data dir is not a writable directory. */
const DATA_DIR_ERRORS = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
]);

/** The data directory cannot be created or written (credentials, the SQLite database). */
export function dataDirFailure(err: unknown, dataDir: string): StartupError | undefined {
  const code = errorCode(err);
  if (!code || !DATA_DIR_ERRORS.has(code)) return undefined;
  return new StartupError(
    `SWITCHBOARD_DATA_DIR ${dataDir}: cannot write there (${code}): point it at a writable directory`,
  );
}
