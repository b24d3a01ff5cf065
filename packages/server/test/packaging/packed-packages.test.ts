/**
 * The libraries as an app gets them: protocol, sdk and client are built and packed (`npm pack`), installed from the
 * tarballs into an empty project outside the repository, and the SDK package README's quick start and the client
 * README's snippet are type-checked there with tsc against what the tarballs ship, then the compiled quick start
 * runs against a node started from the compiled server (`switchboard start` on plain node, with a guard that fails
 * if tsx or any TypeScript file loads), which also accepts a server token from the compiled `switchboard token mint`.
 *
 * The only edit to the quick start: its base URL becomes the started node's (it says http://127.0.0.1:3000).
 * The project installs typescript and @types/node at the repository's versions, from npm's cache when it has them.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN, startCli, stopChild, tempDataDir } from '../cli/run-cli.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LIBRARIES = ['protocol', 'sdk', 'client'];
const PACKAGES = [...LIBRARIES, 'server'];

/** process.env for npm and the app: nothing of the test run's own loader or export condition. */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

function run(command: string, args: string[], cwd: string, env = plainEnv()): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** The first ```ts block of a README. */
function tsBlock(readme: string): string {
  const match = /```ts\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'));
  assert.ok(match?.[1], `${readme} has a ts code block`);
  return match[1];
}

describe('packed packages in an empty project', () => {
  const project = mkdtempSync(join(tmpdir(), 'switchboard-app-'));
  const tarballs = join(project, 'tarballs');

  before(() => {
    run(process.execPath, ['scripts/build.mjs'], ROOT);
    mkdirSync(tarballs);
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('every package carries its licence, README and version in step, and publishes (dry run) without a warning', () => {
    const version = readJson(join(ROOT, 'package.json')).version;
    for (const name of PACKAGES) {
      const dir = join(ROOT, 'packages', name);
      const manifest = readJson(join(dir, 'package.json'));
      assert.equal(manifest.version, version, `${name} version`);
      assert.equal(manifest.license, 'Apache-2.0', `${name} licence`);
      assert.equal(manifest.private, undefined, `${name} is not private`);
      const deps = { ...(manifest.dependencies as object), ...(manifest.devDependencies as object) };
      for (const [dep, range] of Object.entries(deps)) {
        if (dep.startsWith('@switchboard/')) assert.equal(range, version, `${name} depends on ${dep}@${version}`);
      }
      const dry = run('npm', ['publish', '--dry-run', '--json', '--workspace', `packages/${name}`], ROOT);
      // Without an npm login the dry run always says so; any other warning (a field npm had to correct, a file it
      // dropped) is the package's.
      const warnings = dry.stderr
        .split('\n')
        .filter((l) => /npm warn/i.test(l) && !/requires you to be logged in/.test(l));
      assert.deepEqual(warnings, [], `${name}: npm publish --dry-run warns`);
      const files = (JSON.parse(dry.stdout) as Record<string, { files: { path: string }[] }>)[
        `@switchboard/${name}`
      ]?.files.map((f) => f.path);
      assert.ok(files, dry.stdout);
      for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/index.js']) {
        assert.ok(files.includes(required), `${name} ships ${required}: ${files.join(' ')}`);
      }
      if (name !== 'server') assert.ok(files.includes('dist/index.d.ts'), `${name} ships its type declarations`);
      assert.deepEqual(
        files.filter((f) => /^(src|test)\//.test(f)),
        [],
        `${name} ships neither sources nor tests`,
      );
    }
  });

  it('installs from the tarballs, type-checks the quick starts and runs the SDK one against a compiled node', async () => {
    const packed = run(
      'npm',
      ['pack', '--json', '--pack-destination', tarballs, ...LIBRARIES.flatMap((p) => ['--workspace', `packages/${p}`])],
      ROOT,
    );
    const files = (JSON.parse(packed.stdout) as { filename: string }[]).map((p) => join(tarballs, p.filename));
    assert.equal(files.length, LIBRARIES.length);

    const devVersion = (name: string) => readJson(join(ROOT, 'node_modules', name, 'package.json')).version as string;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const install = run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...files,
        `typescript@${devVersion('typescript')}`,
        `@types/node@${devVersion('@types/node')}`,
      ],
      project,
    );
    assert.doesNotMatch(install.stderr, /EBADENGINE/, install.stderr);

    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          lib: ['es2023', 'dom'],
          types: ['node'],
        },
        files: ['quick-start.ts', 'media.ts', 'entries.ts'],
      }),
    );
    writeFileSync(join(project, 'quick-start.ts'), tsBlock(join(ROOT, 'packages/sdk/README.md')));
    writeFileSync(join(project, 'media.ts'), tsBlock(join(ROOT, 'packages/client/README.md')));
    // Every entry of the exports maps resolves, with types, from an app.
    writeFileSync(
      join(project, 'entries.ts'),
      [
        "import { ErrorCode } from '@switchboard/protocol';",
        "import { OwnCapability } from '@switchboard/protocol/wire';",
        "import { SfuErrorCode } from '@switchboard/protocol/sfu';",
        "import { SwitchboardVideoClient } from '@switchboard/sdk/client';",
        "import { MediaError } from '@switchboard/client';",
        'export const entries = [ErrorCode, OwnCapability, SfuErrorCode, SwitchboardVideoClient, MediaError];',
        '',
      ].join('\n'),
    );
    run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], project);

    const data = tempDataDir();
    const credentials = { SWITCHBOARD_API_KEY: 'packed-key', SWITCHBOARD_API_SECRET: 'packed-secret-0123456789' };
    const node = await startCli(
      { ...credentials, SWITCHBOARD_DATA_DIR: data.dir, PORT: '0', LOG_LEVEL: 'silent' },
      30_000,
      'dist',
    );
    try {
      const compiled = join(project, 'quick-start.js');
      const source = readFileSync(compiled, 'utf8');
      assert.ok(source.includes("'http://127.0.0.1:3000'"), 'the quick start names its base URL');
      writeFileSync(compiled, source.replace("'http://127.0.0.1:3000'", JSON.stringify(node.address)));
      const quickStart = run(process.execPath, [compiled], project, plainEnv(credentials));
      assert.match(quickStart.stdout, /created: false/);
      assert.match(quickStart.stdout, /token for jack: [\w-]+\.[\w-]+\.[\w-]+/);
      assert.match(quickStart.stdout, /default:sdk-quick-start ended at \d{4}-\d\d-\d\dT[\d:.]+Z members:/);
      for (const member of ['john (admin)', 'jack (call_member)', 'emily (admin)']) {
        assert.ok(quickStart.stdout.includes(`'${member}'`), `${member} in ${quickStart.stdout}`);
      }
      assert.ok(!quickStart.stdout.includes('sara'), 'sara was removed');

      // The runtime assets of the compiled server: the demo page next to its modules, the browser client bundled
      // from the client package's dist/.
      const demo = await fetch(new URL('/demo', node.address));
      assert.equal(demo.status, 200);
      assert.match(await demo.text(), /<html/i);
      const client = await fetch(new URL('/client/switchboard-client.js', node.address));
      assert.equal(client.status, 200);
      assert.match(await client.text(), /export\{[^}]*SwitchboardMediaClient/);

      // The other command users run often, also compiled: a server token the node accepts.
      const forbidTypeScript = fileURLToPath(new URL('../support/forbid-typescript.mjs', import.meta.url));
      const mint = run(process.execPath, [BIN, 'token', 'mint', '--server'], project, {
        ...plainEnv(credentials),
        NODE_OPTIONS: `--import=${forbidTypeScript}`,
      });
      const users = await fetch(new URL(`/api/v2/users?api_key=${credentials.SWITCHBOARD_API_KEY}`, node.address), {
        method: 'POST',
        headers: { authorization: mint.stdout.trim(), 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify({ users: { minted: { id: 'minted' } } }),
      });
      assert.equal(users.status, 200, await users.text());
    } finally {
      assert.equal(await stopChild(node.child), 0, 'the compiled node exits cleanly on SIGTERM');
      data.remove();
    }
  });
});
