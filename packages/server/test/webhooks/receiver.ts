/**
 * A webhook receiver for tests: a real node:http server that records every request (raw body, headers) and
 * answers with the status `respond` picks. Tests wait for what they expect with `until`, never with sleeps.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: the event JSON is probed field by field
  event: any;
  /** The status this request was answered with. */
  status: number;
  /** Position among all requests this receiver got. */
  seq: number;
}

export type Responder = (request: Omit<ReceivedWebhook, 'status' | 'seq'>) => number;

export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  respond: Responder = () => 200;
  /** Holds each answer this long (a slow receiver), so overlapping deliveries of one webhook id would show. */
  answerDelayMs = 0;
  /** Every request as it arrives, before it is answered (`received` lists them once answered). */
  readonly arrived: Omit<ReceivedWebhook, 'status' | 'seq'>[] = [];
  /** When it returns a promise, the request is answered only once that settles (a receiver stuck on one event). */
  hold: ((request: Omit<ReceivedWebhook, 'status' | 'seq'>) => Promise<void> | undefined) | undefined;
  /** Requests whose sender went away before they were answered (e.g. the sending node was killed). */
  abandoned = 0;
  /** When each request arrived (ms since epoch), in the order of `arrived`. */
  readonly arrivedAt: number[] = [];
  /** Requests that arrived while another request with the same X-Webhook-Id was still unanswered. */
  concurrentDuplicates = 0;
  private readonly unanswered = new Set<string>();
  private readonly changed = new EventEmitter();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const seen = { headers: req.headers, raw, event: JSON.parse(raw) };
        const target = receiver as Receiver;
        const webhookId = String(req.headers['x-webhook-id']);
        if (target.unanswered.has(webhookId)) target.concurrentDuplicates += 1;
        target.unanswered.add(webhookId);
        target.arrived.push(seen);
        target.arrivedAt.push(Date.now());
        target.changed.emit('request');
        let answered = false;
        res.once('close', () => {
          if (answered) return;
          target.abandoned += 1;
          target.changed.emit('request');
        });
        const answer = () => {
          answered = true;
          target.unanswered.delete(webhookId);
          const status = target.respond(seen);
          target.received.push({ ...seen, status, seq: target.received.length });
          res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
          target.changed.emit('request');
        };
        const held = target.hold?.(seen);
        if (held) void held.then(answer);
        else if (target.answerDelayMs > 0) setTimeout(answer, target.answerDelayMs);
        else answer();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    receiver = new Receiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  /** Resolves once `condition` holds over what arrived (answered or not); rejects after `timeoutMs` naming `what`. */
  untilArrived(
    what: string,
    condition: (arrived: Omit<ReceivedWebhook, 'status' | 'seq'>[]) => boolean,
    timeoutMs = 15_000,
  ): Promise<void> {
    return this.until(what, () => condition(this.arrived), timeoutMs);
  }

  /** Resolves once `condition` holds over what was received; rejects after `timeoutMs` naming `what`. */
  async until(what: string, condition: (received: ReceivedWebhook[]) => boolean, timeoutMs = 15_000): Promise<void> {
    if (condition(this.received)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.changed.off('request', check);
        reject(new Error(`receiver: timed out waiting for ${what} (${this.received.length} requests so far)`));
      }, timeoutMs);
      const check = () => {
        if (!condition(this.received)) return;
        clearTimeout(timer);
        this.changed.off('request', check);
        resolve();
      };
      this.changed.on('request', check);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `probe` until it answers a value `accept` takes (for state read over the API, e.g. delivery status). */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
