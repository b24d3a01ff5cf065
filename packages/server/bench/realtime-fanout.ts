/**
 * Realtime fan-out (issue 4, part 6): N connected clients watch one call; the time from `sendCustomEvent` (the HTTP
 * request leaving) to the last client receiving the event, against a raw `ws` server broadcasting the same bytes
 * to the same number of clients in the same run (`raw_ms / switchboard_ms`, target ≥ 0.8 at 10,000), and the
 * server memory per idle connection (RSS and heap after a full GC, connected and watching, divided by N).
 *
 * Servers run in their own processes; the clients share this process and do the least work per message (see
 * support/ws-fleet.ts), identically for both servers. Settings: BENCH_FANOUT_SIZES (default 1000,5000,10000),
 * BENCH_FANOUT_ROUNDS (measured rounds per size, default 5, after one warm-up round).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createServerToken, createUserToken, SwitchboardClient } from '@switchboard/sdk';
import type { FanoutServerKind, FanoutServerReady, MemoryReport } from './support/fanout-server.js';
import { WsFleet } from './support/ws-fleet.js';

export const name = 'realtime-fanout';
const TARGET_RATIO = 0.8;
const CALL = { type: 'default', id: 'fanout' };
const ENTRY = fileURLToPath(new URL('./support/fanout-server.ts', import.meta.url));

function sizes(): number[] {
  const raw = process.env.BENCH_FANOUT_SIZES ?? '1000,5000,10000';
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`BENCH_FANOUT_SIZES: bad list ${raw}`);
  return list;
}

const rounds = () => Math.max(1, Number(process.env.BENCH_FANOUT_ROUNDS ?? 5) || 5);
const marker = () => `fanout-${randomBytes(4).toString('hex')}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round2 = (x: number) => Math.round(x * 100) / 100;

interface ServerChild {
  ready: FanoutServerReady;
  memory(): Promise<MemoryReport>;
  stop(): Promise<void>;
}

function startChild(kind: FanoutServerKind): Promise<ServerChild> {
  const child: ChildProcess = fork(ENTRY, [kind], {
    execArgv: ['--conditions=switchboard-source', '--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (msg: { type?: string }) => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg as T);
      };
      child.on('message', onMessage);
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code} before it was ready`)));
    void next<FanoutServerReady>('ready').then((ready) => {
      child.removeAllListeners('exit');
      resolve({
        ready,
        memory: () => {
          const reply = next<MemoryReport>('memory');
          child.send({ type: 'memory' });
          return reply;
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

interface Measured {
  times_ms: number[];
  mem_rss_bytes_per_conn: number;
  mem_heap_bytes_per_conn: number;
  setup_s: number;
}

/** Warm-up round, then `rounds()` measured ones: trigger → last client received. */
async function timeRounds(fleet: WsFleet, trigger: (marker: string) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r <= rounds(); r++) {
    const m = marker();
    const received = fleet.receiveAll(m, 60_000);
    const start = performance.now();
    await trigger(m);
    const end = await received;
    if (r > 0) times.push(end - start);
  }
  return times;
}

function perConnection(before: MemoryReport, after: MemoryReport, n: number) {
  return {
    mem_rss_bytes_per_conn: Math.round((after.rss - before.rss) / n),
    mem_heap_bytes_per_conn: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / n),
  };
}

async function measureSwitchboard(n: number, log: (line: string) => void): Promise<Measured & { payload: Buffer }> {
  const server = await startChild('switchboard');
  let fleet: WsFleet | undefined;
  try {
    const setupStart = performance.now();
    const { url, apiKey, apiSecret } = server.ready;
    if (!apiKey || !apiSecret) throw new Error('switchboard reported no credentials');
    const client = new SwitchboardClient(apiKey, apiSecret, { baseUrl: url, timeoutMs: 60_000 });
    const ids = Array.from({ length: n }, (_, i) => `viewer-${i}`);
    for (let i = 0; i < n; i += 100) await client.upsertUsers(ids.slice(i, i + 100).map((id) => ({ id })));
    await client.upsertUsers([{ id: 'host' }]);
    await client.video
      .call(CALL.type, CALL.id)
      .getOrCreate({ data: { created_by_id: 'host', members: [{ user_id: 'host' }] } });
    const tokens = await Promise.all(ids.map((user_id) => createUserToken(apiSecret, { user_id })));
    const before = await server.memory();
    log(`${name}: switchboard, connecting ${n} clients`);
    const wsUrl = `${url.replace(/^http/, 'ws')}/video/connect?api_key=${apiKey}&stream-auth-type=jwt`;
    fleet = await WsFleet.open({
      url: wsUrl,
      size: n,
      auth: async (i) => JSON.stringify({ token: tokens[i], products: ['video'], user_details: { id: ids[i] } }),
    });
    fleet.keepAlive(20_000);
    const connected = fleet;
    log(`${name}: switchboard, ${n} clients watching the call`);
    await pool(
      ids.map((_, i) => i),
      50,
      async (i) => {
        const watch = `${url}/video/call/${CALL.type}/${CALL.id}?api_key=${apiKey}&connection_id=${connected.connectionIds[i]}&members_limit=0`;
        const res = await fetch(watch, { headers: { authorization: tokens[i] as string, 'stream-auth-type': 'jwt' } });
        if (!res.ok) throw new Error(`watch ${i}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      },
    );
    const after = await server.memory();
    const setup_s = round2((performance.now() - setupStart) / 1000);
    const event = `${url}/api/v2/video/call/${CALL.type}/${CALL.id}/event?api_key=${apiKey}`;
    const headers = {
      authorization: await createServerToken(apiSecret),
      'stream-auth-type': 'jwt',
      'content-type': 'application/json',
    };
    log(`${name}: switchboard, ${rounds()} rounds of sendCustomEvent to ${n} clients`);
    const times = await timeRounds(fleet, async (m) => {
      const res = await fetch(event, {
        method: 'POST',
        headers,
        body: JSON.stringify({ custom: { marker: m }, user_id: 'host' }),
      });
      if (!res.ok) throw new Error(`sendCustomEvent: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    });
    if (!fleet.sample) throw new Error('no event sample captured');
    return { times_ms: times, ...perConnection(before, after, n), setup_s, payload: fleet.sample };
  } finally {
    await fleet?.close();
    await server.stop();
  }
}

async function measureRaw(n: number, payload: Buffer, log: (line: string) => void): Promise<Measured> {
  const server = await startChild('raw-ws');
  let fleet: WsFleet | undefined;
  try {
    const setupStart = performance.now();
    const before = await server.memory();
    log(`${name}: raw ws, connecting ${n} clients`);
    fleet = await WsFleet.open({ url: `${server.ready.url.replace(/^http/, 'ws')}/`, size: n });
    const after = await server.memory();
    const setup_s = round2((performance.now() - setupStart) / 1000);
    const text = payload.toString();
    const old = /fanout-[0-9a-f]{8}/.exec(text)?.[0];
    if (!old) throw new Error('the sample carries no marker');
    log(`${name}: raw ws, ${rounds()} rounds of broadcast to ${n} clients`);
    const times = await timeRounds(fleet, async (m) => {
      const res = await fetch(`${server.ready.url}/broadcast`, { method: 'POST', body: text.replace(old, m) });
      if (!res.ok) throw new Error(`broadcast: ${res.status}`);
      await res.arrayBuffer();
    });
    return { times_ms: times, ...perConnection(before, after, n), setup_s };
  } finally {
    await fleet?.close();
    await server.stop();
  }
}

export async function run(
  _settings?: unknown,
  log: (line: string) => void = (line) => process.stderr.write(`# ${line}\n`),
): Promise<Record<string, unknown>> {
  const loadAtStart = round2(loadavg()[0] ?? 0);
  const results: Record<string, unknown>[] = [];
  let ratioAtLargest = Number.NaN;
  for (const n of sizes()) {
    const ours = await measureSwitchboard(n, log);
    const raw = await measureRaw(n, ours.payload, log);
    const oursMs = median(ours.times_ms);
    const rawMs = median(raw.times_ms);
    ratioAtLargest = round2(rawMs / oursMs);
    results.push({
      clients: n,
      switchboard_ms_p50: round2(oursMs),
      raw_ws_ms_p50: round2(rawMs),
      ratio: ratioAtLargest,
      switchboard_ms: ours.times_ms.map(round2),
      raw_ws_ms: raw.times_ms.map(round2),
      payload_bytes: ours.payload.length,
      switchboard_rss_bytes_per_idle_conn: ours.mem_rss_bytes_per_conn,
      switchboard_heap_bytes_per_idle_conn: ours.mem_heap_bytes_per_conn,
      raw_ws_rss_bytes_per_idle_conn: raw.mem_rss_bytes_per_conn,
      raw_ws_heap_bytes_per_idle_conn: raw.mem_heap_bytes_per_conn,
      switchboard_setup_s: ours.setup_s,
    });
  }
  return {
    benchmark: name,
    results,
    target_ratio: TARGET_RATIO,
    ratio_at_largest: ratioAtLargest,
    meets_target: ratioAtLargest >= TARGET_RATIO,
    rounds: rounds(),
    node: process.version,
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? 'unknown',
    load_avg_1m_at_start: loadAtStart,
  };
}

// `node --import tsx packages/server/bench/realtime-fanout.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await run(), null, 2)}\n`);
}
