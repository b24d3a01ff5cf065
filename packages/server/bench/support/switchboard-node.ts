/**
 * A `switchboard start` process for the cluster benchmarks (cross-node, event-write): the real CLI, run from the
 * TypeScript source, on the given environment; resolves with the URL it listens on.
 *
 * BENCH_CPU_PROF=<dir> writes V8 CPU profiles of each node under <dir>/<label>/ (as the other benchmarks' servers
 * do; node writes one per thread, the largest is the main thread).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/switchboard.mjs', import.meta.url));

export interface NodeChild {
  child: ChildProcess;
  url: string;
}

export function startNode(env: Record<string, string>, label: string): Promise<NodeChild> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));
  const dir = process.env.BENCH_CPU_PROF;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, label)}`] : [];
  const child = spawn(process.execPath, [...profile, '--conditions=switchboard-source', BIN, 'start'], {
    env: { ...clean, ...env, PORT: '0', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`node exited with ${code}: ${out}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
  });
}

export function stopNode(node: NodeChild): Promise<void> {
  return new Promise((resolve) => {
    if (node.child.exitCode !== null) return resolve();
    node.child.once('exit', () => resolve());
    node.child.kill('SIGTERM');
    setTimeout(() => node.child.kill('SIGKILL'), 15_000).unref();
  });
}
