/**
 * A tiny HTTP server on port 0 that records every request and answers with whatever the test sets in `reply`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  pathname: string;
  /** The raw path as sent, before decoding. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
}

export type Reply = (req: RecordedRequest, res: ServerResponse) => void;

export interface FakeServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** The most recent request; throws when none arrived. */
  last(): RecordedRequest;
  reply: Reply;
  close(): Promise<void>;
}

export const json =
  (status: number, body: unknown): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

export async function startFakeServer(): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const fake: FakeServer = {
    baseUrl: '',
    requests,
    last() {
      const req = requests.at(-1);
      if (!req) throw new Error('no request recorded');
      return req;
    },
    reply: json(200, { duration: '0.01ms' }),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        pathname: url.pathname,
        rawPath: (req.url ?? '').split('?')[0] ?? '',
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body: rawBody === '' ? undefined : JSON.parse(rawBody),
      };
      requests.push(recorded);
      fake.reply(recorded, res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return fake;
}
