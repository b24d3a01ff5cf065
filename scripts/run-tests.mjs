#!/usr/bin/env node
// `npm test`: every package's tests in one node:test run (through tsx), so the runner's summary closes the output.
// Tests run on the TypeScript sources, never on a build: the `switchboard-source` export condition (set for every
// process the run starts, through NODE_OPTIONS) resolves each workspace package to its src/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const only = process.argv.slice(2);
const files =
  only.length > 0
    ? only
    : readdirSync('packages').flatMap((p) => {
        const dir = join('packages', p, 'test');
        try {
          return findTests(dir);
        } catch {
          return [];
        }
      });
files.sort();

// --test-force-exit: a test file's process ends when its tests have, so a handle a test leaked (a timer, a socket
// of a node it crashed on purpose) can never hang the run; the results are already in.
// The reporter is spec, with cancelled tests counted as failed in the summary (scripts/test-reporter.mjs).
const reporter = fileURLToPath(new URL('./test-reporter.mjs', import.meta.url));
const nodeTest = ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-force-exit'];
const env = {
  ...process.env,
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--conditions=switchboard-source'].filter(Boolean).join(' '),
};

// Browser media tests need a loopback-only network namespace (Chromium gathers no loopback ICE candidates
// otherwise). They run first, in one of their own: `unshare -n` as root, `unshare -rn` otherwise. Only SQLite there:
// the namespace's loopback reaches no PostgreSQL or Redis.
const isMedia = (file) => /test[\\/]browser[\\/]media-/.test(file);
const media = files.filter(isMedia);
let mediaStatus = 0;
let ranInNamespace = false;
const unshare = process.getuid?.() === 0 ? ['-n'] : ['-rn'];
const canUnshare = media.length > 0 && spawnSync('unshare', [...unshare, 'true']).status === 0;
if (media.length > 0 && !canUnshare) {
  // The files run in the main run below and skip themselves with the reason (or fail, under CI).
  console.log('# media browser tests: cannot create a network namespace here (unshare -n)');
}
if (canUnshare) {
  const inner = [process.execPath, ...nodeTest, '--test-concurrency=1', ...media].map((a) => `'${a}'`).join(' ');
  const run = spawnSync('unshare', [...unshare, 'sh', '-c', `ip link set lo up && exec ${inner}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  ranInNamespace = true;
  mediaStatus = run.status ?? 1;
}
const rest = ranInNamespace ? files.filter((f) => !isMedia(f)) : files;
// With no file left, `node --test` would go looking for test files of its own: don't start it.
const result =
  rest.length > 0
    ? spawnSync(process.execPath, [...nodeTest, '--test-concurrency=2', ...rest], {
        stdio: 'inherit',
        env,
      })
    : { status: 0 };
process.exit(mediaStatus !== 0 ? mediaStatus : (result.status ?? 1));
