/**
 * Push delivery (issue 12), against a local APNs peer (cleartext HTTP/2, in its own thread: a real APNs is another
 * machine, so its HTTP/2 parsing must not take the event loop under test). The peer answers 200 at once and
 * reports each push's `call_cid` and the number of HTTP/2 connections it saw.
 *
 * - throughput: BENCH_PUSH_COUNT pushes (default 20000) through one ApnsProvider (one HTTP/2 session, at most 500
 *   streams at once) as fast as it takes them; pushes per second. Target ≥ 2000/s.
 * - ring → push: BENCH_PUSH_RINGS rings (default 300, at BENCH_PUSH_RING_RATE per second, default 50) on a node
 *   (SQLite file) whose callee has an iOS VoIP device; from sending the ring request to the peer receiving the
 *   push, p50 / p99. Target p99 ≤ 100 ms.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SignJWT } from 'jose';
import pino from 'pino';
import { composeNode } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { ApnsProvider } from '../src/delivery/push/apns-provider.js';
import { AddressPolicy } from '../src/domain/network-address.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'push';

const PEER_THREAD = `
const http2 = require('node:http2');
const { parentPort } = require('node:worker_threads');
let sessions = 0;
const server = http2.createServer();
server.on('session', () => { sessions++; });
server.on('stream', (stream, headers) => {
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('end', () => {
    const ok = headers[':path'].startsWith('/3/device/') && headers.authorization && headers['apns-topic'];
    stream.respond({ ':status': ok ? 200 : 400 });
    stream.end();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    parentPort.postMessage({ cid: body.call_cid, at: Date.now(), sessions });
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
`;

interface PeerMessage {
  cid: string;
  at: number;
  sessions: number;
}

async function startPeer(onPush: (m: PeerMessage) => void) {
  const thread = new Worker(PEER_THREAD, { eval: true, execArgv: [] });
  const [ready] = (await once(thread, 'message')) as [{ port: number }];
  thread.on('message', onPush);
  return { url: `http://127.0.0.1:${ready.port}`, stop: () => thread.terminate() };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

export async function run(_settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  let received = 0;
  let sessions = 0;
  const waiters = new Map<string, (at: number) => void>();
  let countDone: (() => void) | undefined;
  let countTarget = Number.POSITIVE_INFINITY;
  const peer = await startPeer((m) => {
    received++;
    sessions = m.sessions;
    waiters.get(m.cid)?.(m.at);
    if (received >= countTarget) countDone?.();
  });

  // Throughput through one provider.
  const count = envInt('BENCH_PUSH_COUNT', 20_000);
  const provider = new ApnsProvider({
    name: 'bench',
    keyPem,
    keyId: 'BENCHKEY01',
    teamId: 'BENCHTEAM1',
    topic: 'com.example.bench',
    endpoint: peer.url,
    policy: new AddressPolicy(['127.0.0.1']), // the local peer
  });
  const message = (i: number) => ({
    token: randomBytes(32).toString('hex'),
    kind: 'voip' as const,
    title: 'Bench is calling you',
    body: '',
    data: { sender: 'switchboard', type: 'call.ring', call_cid: `bench:${i}` },
    expiresAt: 0,
  });
  await provider.send(message(-1)); // connect and mint the JWT outside the measurement
  received = 0;
  countTarget = count;
  const allReceived = new Promise<void>((resolve) => {
    countDone = resolve;
  });
  log(`push: ${count} pushes through one APNs provider`);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const results = await Promise.all(Array.from({ length: count }, (_, i) => provider.send(message(i))));
  await allReceived;
  const seconds = (performance.now() - started) / 1000;
  // CPU spent by this process (sender and peer thread together): what the rate would be with the CPU to itself.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const failed = results.filter((r) => r.outcome !== 'sent').length;
  await provider.close();
  const throughput = {
    pushes: count,
    failed,
    seconds: +seconds.toFixed(2),
    pushes_per_s: Math.round(count / seconds),
    cpu_seconds: +cpuSeconds.toFixed(2),
    pushes_per_cpu_s: Math.round(count / cpuSeconds),
    http2_connections: sessions,
  };
  log(`push: ${throughput.pushes_per_s}/s over ${sessions} connection(s)`);

  // Ring → push on a node.
  countTarget = Number.POSITIVE_INFINITY;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-push-'));
  const apiSecret = randomBytes(24).toString('hex');
  const { config } = loadConfig(
    {},
    // The APNs peer is local: allow-listed like a push gateway on a private network.
    {
      port: 0,
      host: '127.0.0.1',
      apiKey: 'bench-push',
      apiSecret,
      dataDir,
      logLevel: 'error',
      outboundAllowPrivate: ['127.0.0.1'],
    },
  );
  const node = await composeNode({
    config,
    database: { kind: 'sqlite', file: join(dataDir, 'bench.db') },
    logger: pino({ level: 'error' }),
  });
  const base = await node.listen();
  const token = await new SignJWT({ server: true })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(apiSecret));
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${base}${path}?api_key=bench-push`, {
      method,
      headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await call('PATCH', '/api/v2/app', {
    push_providers: [
      {
        type: 'apn',
        name: 'ios',
        apn_auth_key: keyPem,
        apn_key_id: 'BENCHKEY01',
        apn_team_id: 'BENCHTEAM1',
        apn_topic: 'com.example.bench',
        apn_endpoint: peer.url,
      },
    ],
  });
  await call('POST', '/api/v2/users', { users: { caller: { id: 'caller' }, callee: { id: 'callee' } } });
  await call('POST', '/api/v2/devices', {
    id: 'cd'.repeat(32),
    push_provider: 'apn',
    voip_token: true,
    user_id: 'callee',
  });

  const rings = envInt('BENCH_PUSH_RINGS', 300);
  const rate = envInt('BENCH_PUSH_RING_RATE', 50);
  log(`push: ${rings} rings at ${rate}/s, ring request → push received`);
  const latencies: number[] = [];
  /** Ring request → its answer (the commit), and that answer → the push: where the time goes. */
  const requestMs: number[] = [];
  const afterAnswerMs: number[] = [];
  const pending: Promise<void>[] = [];
  const startAll = performance.now();
  for (let i = 0; i < rings; i++) {
    const due = startAll + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const cid = `default:ring-${i}`;
    const sentAt = Date.now();
    let answeredAt = 0;
    let pushedAt = 0;
    const done = () => {
      if (!answeredAt || !pushedAt) return;
      requestMs.push(answeredAt - sentAt);
      afterAnswerMs.push(Math.max(0, pushedAt - answeredAt));
    };
    pending.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no push for ${cid}`)), 60_000);
        waiters.set(cid, (at) => {
          clearTimeout(timer);
          latencies.push(at - sentAt);
          pushedAt = at;
          done();
          resolve();
        });
      }),
    );
    void call('POST', `/api/v2/video/call/default/ring-${i}`, {
      ring: true,
      data: { created_by_id: 'caller', members: [{ user_id: 'caller' }, { user_id: 'callee' }] },
    }).then(() => {
      answeredAt = Date.now();
      done();
    });
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  requestMs.sort((a, b) => a - b);
  afterAnswerMs.sort((a, b) => a - b);
  await node.close();
  await peer.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    benchmark: name,
    throughput: { ...throughput, target_per_s: 2000 },
    ring_to_push_ms: {
      rings,
      rate_per_s: rate,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1),
      target_p99: 100,
      ring_request_p50: percentile(requestMs, 50),
      ring_request_p99: percentile(requestMs, 99),
      answer_to_push_p50: percentile(afterAnswerMs, 50),
      answer_to_push_p99: percentile(afterAnswerMs, 99),
    },
  };
}
