/**
 * A server under test, in its own process. The load generator must not share an event loop with the server it
 * measures (in one thread, autocannon's own cost per request would dominate the fast baseline and flatter the
 * ratio), so each server runs in a child forked with tsx and reports where it listens over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerInfo, ServerKind } from './servers.js';

const ENTRY = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface ServerProcess {
  info: ServerInfo;
  /** The child's process id (benchmarks read its CPU time from /proc). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * BENCH_CPU_PROF=<dir> writes V8 CPU profiles of each server process under <dir>/<kind>/ (open them in Chrome
 * DevTools). Node writes one per thread; the largest is the main thread, the small one tsx's loader thread.
 */
function profileArgs(kind: ServerKind): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, kind)}`] : [];
}

export function startServerProcess(kind: ServerKind): Promise<ServerProcess> {
  const child: ChildProcess = fork(ENTRY, [kind], {
    execArgv: ['--conditions=switchboard-source', '--import', 'tsx', ...profileArgs(kind)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code} before it was ready`)));
    child.once('message', (info: ServerInfo) => {
      child.removeAllListeners('exit');
      resolve({ info, pid: child.pid ?? 0, stop });
    });
  });
}
