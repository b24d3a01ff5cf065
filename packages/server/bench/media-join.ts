/**
 * `npm run bench -- media-join`: how long a browser waits between `call.join()` and the first decoded frame of
 * another participant's video (p50 / p99 over BENCH_MEDIA_JOINS joins, default 20; target p50 ≤ 1 s on loopback).
 * Headless Debian Chromium with a fake camera; the measuring runs in media-join-measure.ts inside a loopback-only
 * network namespace (`unshare -n`), where Chromium's loopback ICE works.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const name = 'media-join';

export async function run(_settings: unknown, log: (line: string) => void): Promise<Record<string, unknown>> {
  const script = fileURLToPath(new URL('./media-join-measure.ts', import.meta.url));
  const unshare = process.getuid?.() === 0 ? ['-n'] : ['-rn'];
  const inner = [process.execPath, '--conditions=switchboard-source', '--import', 'tsx', script]
    .map((a) => `'${a}'`)
    .join(' ');
  log('running in a loopback-only network namespace (unshare -n)');
  const child = spawnSync('unshare', [...unshare, 'sh', '-c', `ip link set lo up && exec ${inner}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: process.env,
  });
  if (child.status !== 0) throw new Error(`media-join failed (${child.error?.message ?? `exit ${child.status}`})`);
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}
