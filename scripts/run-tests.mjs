#!/usr/bin/env node
// `npm test`: every package's tests in one node:test run (through tsx), so the runner's summary closes the output.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
const result = spawnSync(
  process.execPath,
  // --test-force-exit: a test file's process ends when its tests have, so a handle a test leaked (a timer, a socket
  // of a node it crashed on purpose) can never hang the run; the results are already in.
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-force-exit', ...files],
  { stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
