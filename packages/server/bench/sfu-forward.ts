/**
 * SFU forwarding cost (issue 13, benchmark 2): one synthetic publisher (werift peer sending generated VP8-sized
 * video and Opus-sized audio RTP) to N synthetic subscribers through the embedded SFU of a Switchboard node running
 * in its own process. Per N: forwarded packets/s actually received by the subscribers, the SFU process's CPU
 * (user + system time from /proc, as a fraction of one core) and the CPU per forwarded stream. A least-squares fit
 * over the sizes splits the SFU's CPU into a base per publisher and a marginal cost per forwarded packet; the
 * largest call under 80 % of a core is extrapolated from those: a call of P participants each publishing audio and
 * video costs P bases and forwards P × (P − 1) audio + video pairs.
 *
 * The subscribers share this process (their SRTP work is not the SFU's). Settings: BENCH_SFU_SUBSCRIBERS (default
 * 1,2,4,8), BENCH_SFU_VIDEO_PPS (video packets/s, default 100), BENCH_SFU_AUDIO_PPS (default 50), BENCH_DURATION
 * and BENCH_WARMUP (seconds per size).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createServerToken, createUserToken } from '@switchboard/sdk';
import { SyntheticParticipant } from '../test/media/support/synthetic-participant.js';
import { startServerProcess } from './support/server-process.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'sfu-forward';
const CORE_BUDGET = 0.8;
/** Linux clock ticks per second (USER_HZ), the unit of utime / stime in /proc/<pid>/stat. */
const CLK_TCK = 100;

function list(name: string, fallback: string): number[] {
  const raw = process.env[name] ?? fallback;
  const out = raw.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name}: bad list ${raw}`);
  return out;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function joinAs(url: string, apiKey: string, apiSecret: string, callId: string, userId: string) {
  const token = await createUserToken(apiSecret, { user_id: userId });
  const res = await fetch(`${url}/api/v2/video/call/default/${callId}/join?api_key=${apiKey}`, {
    method: 'POST',
    headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
    body: JSON.stringify({ create: true }),
  });
  if (res.status !== 200) throw new Error(`JoinCall ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { credentials: { token: string; server: { ws_endpoint: string } } };
  return SyntheticParticipant.join(body.credentials.server.ws_endpoint, body.credentials.token);
}

async function seedUsers(url: string, apiKey: string, apiSecret: string, ids: string[]): Promise<void> {
  const res = await fetch(`${url}/api/v2/users?api_key=${apiKey}`, {
    method: 'POST',
    headers: {
      authorization: await createServerToken(apiSecret),
      'stream-auth-type': 'jwt',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ users: Object.fromEntries(ids.map((id) => [id, { id }])) }),
  });
  if (res.status !== 200) throw new Error(`UpsertUsers ${res.status}: ${await res.text()}`);
}

export async function run(settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const sizes = list('BENCH_SFU_SUBSCRIBERS', '1,2,4,8');
  const videoPps = list('BENCH_SFU_VIDEO_PPS', '100')[0] ?? 100;
  const audioPps = list('BENCH_SFU_AUDIO_PPS', '50')[0] ?? 50;
  const server = await startServerProcess('switchboard');
  const { url, apiKey = '', apiSecret = '' } = server.info;
  const results: Record<string, unknown>[] = [];
  let idleCpu = 0;
  try {
    // The node's own idle cost (timers, outbox relay polling), measured before any media flows.
    const idleStart = cpuSeconds(server.pid);
    const idleAt = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    idleCpu = (cpuSeconds(server.pid) - idleStart) / ((performance.now() - idleAt) / 1000);
    const most = Math.max(...sizes);
    await seedUsers(url, apiKey, apiSecret, [
      'publisher',
      ...Array.from({ length: most }, (_, i) => `subscriber-${i}`),
    ]);
    for (const n of sizes) {
      const callId = `sfu-bench-${n}-${Date.now()}`;
      const publisher = await joinAs(url, apiKey, apiSecret, callId, 'publisher');
      const subscribers: SyntheticParticipant[] = [];
      for (let i = 0; i < n; i++) subscribers.push(await joinAs(url, apiKey, apiSecret, callId, `subscriber-${i}`));
      if ((await publisher.publish(['audio', 'video'])) !== undefined) throw new Error('publish refused');
      publisher.startSending({ audio: audioPps, video: videoPps });
      // On an overloaded machine a subscriber may not get going in time: count it rather than abort the run.
      const started = await Promise.allSettled(
        subscribers.map((s) => s.receivesFrom(publisher.sessionId, 'video', 20, 20_000)),
      );
      const receiving = started.filter((r) => r.status === 'fulfilled').length;
      await new Promise((r) => setTimeout(r, settings.warmupS * 1000));
      const total = () =>
        subscribers.reduce(
          (sum, s) => sum + s.packetsFrom(publisher.sessionId, 'video') + s.packetsFrom(publisher.sessionId, 'audio'),
          0,
        );
      const startPackets = total();
      const startCpu = cpuSeconds(server.pid);
      const startAt = performance.now();
      await new Promise((r) => setTimeout(r, settings.durationS * 1000));
      const seconds = (performance.now() - startAt) / 1000;
      const cpu = (cpuSeconds(server.pid) - startCpu) / seconds;
      const packets = (total() - startPackets) / seconds;
      const streams = n * 2;
      const row = {
        subscribers: n,
        subscribers_receiving: receiving,
        forwarded_streams: streams,
        offered_packets_per_s: (videoPps + audioPps) * n,
        received_packets_per_s: round(packets, 0),
        sfu_cpu_core_fraction: round(cpu, 3),
        cpu_per_stream_core_fraction: round(cpu / streams, 4),
        cpu_us_per_forwarded_packet: packets > 0 ? round((cpu * 1e6) / packets, 1) : null,
      };
      log(JSON.stringify(row));
      results.push(row);
      await Promise.all([publisher, ...subscribers].map((p) => p.leave()));
    }
  } finally {
    await server.stop();
  }
  // Least squares over the sizes: SFU CPU = base + cost × forwarded packets/s. `base` is what the SFU spends with
  // one publisher and nobody to forward to (receiving and decrypting its RTP, the node idling); `cost` the marginal
  // CPU of one forwarded packet (copy, header rewrite, SRTP in JavaScript, send).
  const xs = results.map((r) => Number(r.received_packets_per_s));
  const ys = results.map((r) => Number(r.sfu_cpu_core_fraction));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] ?? 0) - my), 0) / sxx : Number.NaN;
  const base = my - slope * mx;
  const pairPps = videoPps + audioPps;
  // A call of P participants, each publishing audio + video: P publishers' base, P × (P − 1) forwarded pairs.
  // A slope at or below zero means the forwarding cost drowned in the noise of the machine: the estimate then counts
  // the bases only, and says so (`marginal_cpu_us_per_forwarded_packet` null).
  const marginal = slope > 0 ? slope : 0;
  const callCost = (p: number) => p * Math.max(base, 0) + p * (p - 1) * pairPps * marginal;
  let largestCall = 1;
  while (callCost(largestCall + 1) <= CORE_BUDGET && largestCall < 1000) largestCall++;
  return {
    name,
    video_packets_per_s: videoPps,
    audio_packets_per_s: audioPps,
    results,
    idle_cpu_core_fraction: round(idleCpu, 3),
    marginal_cpu_us_per_forwarded_packet: slope > 0 ? round(slope * 1e6, 1) : null,
    base_cpu_core_fraction_per_publisher: round(base, 3),
    forwarded_streams_per_core_at_80_percent: slope > 0 ? Math.floor((CORE_BUDGET / (pairPps * slope)) * 2) : null,
    largest_full_call_under_80_percent_of_a_core_extrapolated: largestCall,
    machine: { cores: availableParallelism(), loadavg_1m: round(loadavg()[0] ?? 0) },
  };
}
