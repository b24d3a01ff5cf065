/** Load settings shared by every benchmark, from the environment so CI and people can shorten or lengthen runs. */
export interface LoadSettings {
  /** Measured seconds per target. */
  durationS: number;
  /** Seconds of unmeasured load first, so the JIT, caches and connection pools settle. */
  warmupS: number;
  connections: number;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

export function loadSettings(): LoadSettings {
  return {
    durationS: positive('BENCH_DURATION', 10),
    warmupS: positive('BENCH_WARMUP', 2),
    connections: Math.round(positive('BENCH_CONNECTIONS', 50)),
  };
}
