#!/usr/bin/env node
// `npm run build` (and `npm install`, through `prepare`): compiles every workspace package to JavaScript under its
// dist/, in dependency order, so the server and the `switchboard` command run on plain node and the libraries can be
// packed. Each dist/ is emptied first: a source file that was deleted leaves no module behind.
//
// The libraries (protocol, sdk, client) are compiled by tsc, which also writes the type declarations they publish.
// The server publishes no types, so esbuild transpiles it file by file (no bundling: the same module graph as the
// sources) in about a second instead of tsc's twenty; `npm run typecheck` and the tests still check its types.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

/** Dependencies first: each library compiles against the declarations of those built before it. */
const LIBRARIES = ['protocol', 'sdk', 'client'];
const PACKAGES = [...LIBRARIES, 'server'];
/** Folders the compiled server reads at run time next to its modules (a compiler copies only what it compiles). */
const SERVER_ASSETS = ['http/demo'];

const only = process.argv.slice(2);
for (const name of only) {
  if (!PACKAGES.includes(name)) {
    console.error(`build: unknown package ${name} (one of ${PACKAGES.join(', ')})`);
    process.exit(2);
  }
}

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function buildLibrary(dir) {
  const tsc = require.resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (run.status !== 0) fail(`${dir} did not compile`);
}

async function buildServer(dir) {
  const { build } = await import('esbuild');
  const src = join(dir, 'src');
  const entryPoints = readdirSync(src, { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(src, file));
  await build({
    entryPoints,
    outdir: join(dir, 'dist'),
    outbase: src,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  }).catch(() => fail(`${dir} did not compile`));
  for (const asset of SERVER_ASSETS) cpSync(join(src, asset), join(dir, 'dist', asset), { recursive: true });
}

for (const name of PACKAGES.filter((p) => only.length === 0 || only.includes(p))) {
  const dir = join(ROOT, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  if (name === 'server') await buildServer(dir);
  else buildLibrary(dir);
}
