/**
 * Hostile soak (issue 8): one Switchboard node (its own process, default settings) under about a minute of mixed
 * abuse — oversized and deeply nested bodies, unknown call types, Query* floods, repeated joins, bodies trickled a
 * byte every 5 s — while an honest client works and `/healthz` is polled. Reports RSS at the start, end and peak,
 * `/healthz` latency during the soak, the honest client's successes and failures, and how each abuse was answered.
 *
 * Settings: BENCH_SOAK_SECONDS (default 60), BENCH_SOAK_SLOW_SOCKETS (default 500), BENCH_SOAK_LOOPS (concurrent
 * loops per abuse kind, default 4).
 */
import { availableParallelism, loadavg } from 'node:os';
import { runHostileLoad } from './support/hostile-load.js';
import { startServerProcess } from './support/server-process.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'hostile-soak';

const positive = (env: string, fallback: number) => {
  const n = Number(process.env[env] ?? fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${env} must be a positive number`);
  return n;
};

export async function run(_settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const loadAtStart = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const seconds = positive('BENCH_SOAK_SECONDS', 60);
  const switchboard = await startServerProcess('switchboard');
  try {
    const { url, apiKey, apiSecret } = switchboard.info;
    if (!apiKey || !apiSecret) throw new Error('switchboard server reported no credentials');
    log(`${name}: ${seconds} s of mixed abuse against ${url}`);
    const report = await runHostileLoad(
      { baseUrl: url, apiKey, apiSecret },
      {
        durationMs: seconds * 1000,
        slowSockets: positive('BENCH_SOAK_SLOW_SOCKETS', 500),
        slowByteIntervalMs: 5000,
        floodLoops: positive('BENCH_SOAK_LOOPS', 4),
        honestPauseMs: 20,
        healthzIntervalMs: 100,
      },
    );
    return {
      benchmark: name,
      machine: { cores: availableParallelism(), load_at_start: loadAtStart },
      ...report,
      rss_growth_mb: report.rss_end_mb - report.rss_start_mb,
    };
  } finally {
    await switchboard.stop();
  }
}
