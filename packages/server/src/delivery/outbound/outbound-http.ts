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
  timeoutMs: number;
  /** Aborts this request early (the node closing). */
  signal?: AbortSignal;
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

export class OutboundHttp {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly policy: AddressPolicy;

  constructor(options: OutboundHttpOptions) {
    this.policy = options.policy;
    const lookup = guardedLookup(options.policy, options.resolve ?? systemResolver);
    const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 256, lookup };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /** Resolves with the answer; rejects on a refused address (OutboundRefused), a network error or the timeout. */
  async request(target: string, req: OutboundRequest): Promise<OutboundResponse> {
    const url = new URL(target);
    const literal = addressLiteral(url.hostname);
    // An address literal is connected to without a lookup, so it is checked here.
    const refusal = literal === undefined ? undefined : this.policy.refusal(literal);
    if (refusal) throw new OutboundRefused(`refused to connect to ${url.host}: ${refusal}`);
    const signal = AbortSignal.any([AbortSignal.timeout(req.timeoutMs), ...(req.signal ? [req.signal] : [])]);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new Error(`unsupported protocol ${url.protocol}`);
    return new Promise<OutboundResponse>((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method: req.method ?? 'POST',
        headers: req.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal,
      });
      // An abort (the timeout or the node closing) reports why, not the socket's side of it.
      const fail = (err: Error) => reject(signal.aborted ? signal.reason : err);
      request.on('error', fail);
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      });
      request.end(req.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
