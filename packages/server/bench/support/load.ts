/** One measured autocannon run against a URL, after an unmeasured warm-up of the same requests. */
import autocannon, { type Options } from 'autocannon';
import type { LoadSettings } from './settings.js';

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Non-2xx answers, errors and timeouts: a run with any of these measured something other than intended. */
  failures: number;
}

export type Target = Pick<Options, 'url' | 'method' | 'headers' | 'body'>;

export async function measure(target: Target, settings: LoadSettings): Promise<LoadResult> {
  const base = { ...target, connections: settings.connections, timeout: 10 };
  await autocannon({ ...base, duration: settings.warmupS });
  const r = await autocannon({ ...base, duration: settings.durationS });
  return {
    rps: Math.round(r.requests.total / r.duration),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    requests: r.requests.total,
    failures: r.non2xx + r.errors + r.timeouts,
  };
}
