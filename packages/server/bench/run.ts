/**
 * `npm run bench [name...]`: runs the named benchmarks (all by default), one after another, and prints one JSON
 * object per benchmark on stdout; progress goes to stderr. Each benchmark is a module exporting `name` and `run`;
 * add one by adding its file and a line to BENCHMARKS.
 *
 * Settings: BENCH_DURATION (measured seconds per target, default 10), BENCH_WARMUP (default 2),
 * BENCH_CONNECTIONS (default 50); each benchmark's header lists its own (e.g. BENCH_QUERY_CALLS).
 */
import { type LoadSettings, loadSettings } from './support/settings.js';

interface Benchmark {
  name: string;
  run(settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>>;
}

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  'get-or-create-existing-call': () => import('./core-get-or-create.js'),
  'query-calls': () => import('./query-calls.js'),
  'realtime-fanout': () => import('./realtime-fanout.js'),
  'hostile-soak': () => import('./hostile-soak.js'),
  'webhook-delivery': () => import('./webhook-delivery.js'),
  'durable-timers': () => import('./durable-timers.js'),
  'cross-node': () => import('./cross-node.js'),
  'event-write': () => import('./event-write.js'),
  push: () => import('./push-delivery.js'),
  'sfu-forward': () => import('./sfu-forward.js'),
  'client-bundle': () => import('./client-bundle.js'),
  'media-join': () => import('./media-join.js'),
  'resume-replay': () => import('./resume-replay.js'),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\navailable: ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exit(2);
}

const settings = loadSettings();
const log = (line: string) => process.stderr.write(`# ${line}\n`);
for (const name of requested.length > 0 ? requested : Object.keys(BENCHMARKS)) {
  const load = BENCHMARKS[name];
  if (!load) continue;
  const benchmark = await load();
  process.stdout.write(`${JSON.stringify(await benchmark.run(settings, log), null, 2)}\n`);
}
