/**
 * The HTTP client of every outbound POST (webhooks, Web Push, FCM and its token grant): node:http(s) over this
 * client's own keep-alive agents, so nothing is installed process-wide (a library that sets the global `fetch`
 * dispatcher breaks every other sender in the process), and a steady stream of requests to one receiver reuses its
 * connections. Every connection goes through the address policy (guarded-lookup.ts); redirects are answers, never
 * followed, so a 3xx cannot lead a request somewhere the policy did not check.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { type AddressPolicy, addressLiteral } from '../../domain/network-address.js';
import { guardedLookup, OutboundRefused, type Resolver, systemResolver } from './guarded-lookup.js';

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Uint8Array;
  /** The whole exchange (connect, send, answer) must end within this, else it fails as timed out. */
  timeoutMs: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's first `MAX_RESPONSE_BYTES`, as text: answers are read for a status or a short error only. */
  text: string;
}

/** Receivers answer with a status and at most a short error; a hostile one must not make us buffer more. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface OutboundHttpOptions {
  policy: AddressPolicy;
  /** Sockets per receiver origin. */
  connections?: number;
  resolve?: Resolver;
}

/** A request that ran out of time; `name` matches the one AbortSignal.timeout gives, for callers that classify. */
export class OutboundTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/** A request cut short by `abortAll` / `close` (the node shutting down). */
export class OutboundAborted extends Error {
  override readonly name = 'AbortError';
}

/** Targets are a handful of configured URLs: parsed once each (bounded, so a stream of Web Push endpoints cannot grow it). */
const PARSED_URLS_MAX = 1024;

export class OutboundHttp {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly policy: AddressPolicy;
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly parsed = new Map<string, URL>();
  private closed = false;

  constructor(options: OutboundHttpOptions) {
    this.policy = options.policy;
    const lookup = guardedLookup(options.policy, options.resolve ?? systemResolver);
    const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 256, lookup };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /** Resolves with the answer; rejects on a refused address (OutboundRefused), a network error or the timeout. */
  request(target: string, req: OutboundRequest): Promise<OutboundResponse> {
    if (this.closed) return Promise.reject(new OutboundAborted('the sender is closed'));
    let url: URL;
    try {
      url = this.parse(target);
    } catch (err) {
      return Promise.reject(err);
    }
    const literal = addressLiteral(url.hostname);
    // An address literal is connected to without a lookup, so it is checked here.
    const refusal = literal === undefined ? undefined : this.policy.refusal(literal);
    if (refusal) return Promise.reject(new OutboundRefused(`refused to connect to ${url.host}: ${refusal}`));
    const secure = url.protocol === 'https:';
    return new Promise<OutboundResponse>((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method: req.method ?? 'POST',
        headers: req.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      this.inFlight.add(request);
      // One timer for the whole exchange (cheaper than an AbortSignal per request on a busy sender).
      const timer = setTimeout(
        () => request.destroy(new OutboundTimeout(`timed out after ${req.timeoutMs} ms`)),
        req.timeoutMs,
      );
      const done = () => {
        clearTimeout(timer);
        this.inFlight.delete(request);
      };
      request.on('error', (err) => {
        done();
        reject(err);
      });
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        // A request destroyed while its answer streams in fails here (the request's 'error' may not follow).
        res.on('error', (err) => {
          done();
          reject(err);
        });
        res.on('end', () => {
          done();
          const text = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      });
      request.end(req.body);
    });
  }

  /** Fails every request in flight at once (they reject with an AbortError). */
  abortAll(): void {
    for (const request of this.inFlight) request.destroy(new OutboundAborted('the sender is closing'));
    this.inFlight.clear();
  }

  close(): void {
    this.closed = true;
    this.abortAll();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private parse(target: string): URL {
    let url = this.parsed.get(target);
    if (!url) {
      url = new URL(target);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`unsupported protocol ${url.protocol}`);
      if (this.parsed.size >= PARSED_URLS_MAX) this.parsed.clear();
      this.parsed.set(target, url);
    }
    return url;
  }
}
