/**
 * A fresh `npm install` prints no engine warning and asks about no install script. Checked on the installed tree
 * with npm's own queries, so a dependency bump that brings either back fails here: every installed package's
 * `engines.node` admits the lowest Node the root package.json declares, and `allowScripts` covers every install script.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function npm(args: string[]): string {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const result = spawnSync('npm', args, { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `npm ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The lowest version a `>=x.y[.z]` engines range admits. */
function lowestNode(manifestPath: string): string {
  const engines = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { engines?: { node?: string } }).engines;
  const match = /^>=(\d+)\.(\d+)(?:\.(\d+))?$/.exec(engines?.node ?? '');
  assert.ok(match, `${manifestPath} declares engines.node as >=x.y: ${engines?.node}`);
  return `${match[1]}.${match[2]}.${match[3] ?? 0}`;
}

it('every installed package runs on the lowest Node the project declares (no EBADENGINE)', () => {
  const lowest = lowestNode(`${ROOT}package.json`);
  const refusing = JSON.parse(
    npm(['query', `:attr(engines, [node]):not(:semver(${lowest}, :attr(engines, [node])))`]),
  ) as { name: string; version: string; engines: { node: string } }[];
  assert.deepEqual(
    refusing.map((p) => `${p.name}@${p.version} needs node ${p.engines.node}`),
    [],
    `the root package.json says node >=${lowest}`,
  );
});

it('allowScripts covers every dependency with an install script', () => {
  const pending = npm(['install-scripts', 'ls']);
  assert.match(pending, /No packages with unreviewed install scripts/);
});
