/**
 * Entry of a forked server for the realtime fan-out benchmark (argv[2]):
 * - `switchboard`: a node as `npm start` builds it (SQLite file in a temp dir, logging off);
 * - `raw-ws`: the baseline, a bare `ws` server on a bare HTTP server. `POST /broadcast` writes the request body, as
 *   one text frame encoded once, to every connected client: the least work any WebSocket server can do for a
 *   fan-out.
 * IPC: sends `{ type: 'ready', url, apiKey?, apiSecret? }`; answers `{ type: 'memory' }` with the heap and RSS after
 * a full GC (run with --expose-gc); `{ type: 'stop' }` closes and exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { composeNode } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';

export type FanoutServerKind = 'switchboard' | 'raw-ws';

export interface FanoutServerReady {
  type: 'ready';
  url: string;
  apiKey?: string;
  apiSecret?: string;
}

export interface MemoryReport {
  type: 'memory';
  rss: number;
  heapUsed: number;
  external: number;
}

interface Started {
  ready: FanoutServerReady;
  close(): Promise<void>;
}

async function startSwitchboard(): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-fanout-'));
  const { config } = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' });
  const node = await composeNode({ config });
  const url = await node.listen();
  return {
    ready: { type: 'ready', url, apiKey: node.apiKey, apiSecret: node.apiSecret },
    async close() {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startRawWs(): Promise<Started> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/broadcast') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const payload = Buffer.concat(chunks);
      for (const client of wss.clients) client.send(payload, { binary: false });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ready: { type: 'ready', url: `http://127.0.0.1:${port}` },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const kind = process.argv[2] as FanoutServerKind;
const started = kind === 'switchboard' ? await startSwitchboard() : await startRawWs();
process.send?.(started.ready);
process.on('message', async (msg: { type?: string }) => {
  if (msg.type === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    process.send?.({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external } satisfies MemoryReport);
  } else if (msg.type === 'stop') {
    await started.close();
    process.exit(0);
  }
});
