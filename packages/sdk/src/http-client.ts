/**
 * The one place that talks HTTP. Uses the global `fetch` only (Node 20+, browsers, Deno, Bun), adds `api_key` and
 * the auth headers to every request, and turns every failure into a {@link SwitchboardError}.
 */
import { type AuthProvider, authHeaders } from './auth.js';
import { NO_API_CODE, SwitchboardError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query values; `undefined` entries are left out, the rest are sent as strings. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface HttpClientOptions {
  /** URL that API paths are appended to, e.g. `http://127.0.0.1:3000/api/v2`. */
  apiUrl: string;
  apiKey: string;
  auth: AuthProvider;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** The `fetch` to send with; defaults to the global one (looked up per request, so it may be patched later). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: QueryParams;
  /** JSON body; sent for every method but GET and DELETE. */
  body?: unknown;
}

export class HttpClient {
  readonly #apiUrl: string;
  readonly #apiKey: string;
  readonly #auth: AuthProvider;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch | undefined;

  constructor(options: HttpClientOptions) {
    if (!options.apiKey) throw new TypeError('Switchboard: apiKey must be a non-empty string');
    if (!(options.timeoutMs > 0)) throw new TypeError('Switchboard: timeoutMs must be a positive number');
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#auth = options.auth;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch;
  }

  get<T>(path: string, query?: QueryParams): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, body: unknown = {}, query?: QueryParams): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }
  put<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  patch<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T>(path: string, query?: QueryParams): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }

  /**
   * Sends one request and resolves with the parsed JSON body of a 2xx response. Rejects with a
   * {@link SwitchboardError}: the API's code and HTTP status for error responses; code -1 and status 0 when no
   * response arrived (network failure, timeout).
   */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.#url(path, options.query);
    const headers = {
      ...authHeaders(await this.#auth()),
      'Content-Type': 'application/json',
      Accept: 'application/json',
    };
    const hasBody = method !== 'GET' && method !== 'DELETE';
    let response: Response;
    try {
      response = await (this.#fetch ?? fetch)(url, {
        method,
        headers,
        body: hasBody ? JSON.stringify(options.body ?? {}) : undefined,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw this.#transportError(method, path, err);
    }
    const text = await this.#readText(response, method, path);
    const parsed = parseJson(text);
    const body = parsed.ok ? parsed.value : text;
    if (!response.ok) throw SwitchboardError.fromResponse(response.status, response.statusText, body);
    if (!parsed.ok) {
      throw new SwitchboardError(`${method} ${path}: response is not JSON`, {
        code: NO_API_CODE,
        status: response.status,
        body: text,
      });
    }
    return (parsed.value ?? {}) as T;
  }

  #url(path: string, query: QueryParams = {}): string {
    const params = new URLSearchParams({ api_key: this.#apiKey });
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    return `${this.#apiUrl}${path}?${params.toString()}`;
  }

  async #readText(response: Response, method: string, path: string): Promise<string> {
    try {
      return await response.text();
    } catch (err) {
      // The body can fail after the headers arrived (connection reset, or the timeout firing mid-body).
      throw this.#transportError(method, path, err);
    }
  }

  #transportError(method: string, path: string, err: unknown): SwitchboardError {
    const detail = isTimeout(err) ? `timed out after ${this.#timeoutMs} ms` : `failed: ${describe(err)}`;
    return new SwitchboardError(`${method} ${path} ${detail}`, { code: NO_API_CODE, status: 0, cause: err });
  }
}

type ParsedJson = { ok: true; value: unknown } | { ok: false };

/** An empty body parses as `undefined` (e.g. a 204). */
function parseJson(text: string): ParsedJson {
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** `AbortSignal.timeout` fired: fetch rejects with the signal's reason, a body read may wrap it as `cause`. */
function isTimeout(err: unknown): boolean {
  const name = (e: unknown) => (e instanceof Error ? e.name : undefined);
  return name(err) === 'TimeoutError' || (err instanceof Error && name(err.cause) === 'TimeoutError');
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
