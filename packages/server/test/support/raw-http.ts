/** Raw HTTP against a started node, for wire-shape tests that must not go through our SDK. */
import type { TestNode } from './test-node.js';

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface RawOptions {
  token?: string | null;
  apiKey?: string | null;
  headers?: Record<string, string>;
  /** Sent verbatim when a string (malformed JSON tests), JSON-encoded otherwise. */
  body?: unknown;
  query?: Record<string, string>;
}

export async function raw(t: TestNode, method: string, path: string, options: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(path, t.baseUrl);
  const apiKey = options.apiKey === undefined ? t.apiKey : options.apiKey;
  if (apiKey !== null) url.searchParams.set('api_key', apiKey);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const token = options.token === undefined ? t.serverToken : options.token;
  const headers: Record<string, string> = { 'stream-auth-type': 'jwt', ...options.headers };
  if (token !== null) headers.authorization = token;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body: parsed };
}
