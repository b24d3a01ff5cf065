/** Defaults shared by the server-side and client-side entry points (here so neither imports the other). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
export const DEFAULT_TIMEOUT_MS = 10_000;
