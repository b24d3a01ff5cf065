/**
 * Every code block of README.md and docs/ is either marked `fragment` in its info string or run here, as written,
 * against a node started the way the README says (`switchboard start`, generated credentials, `./data` under the
 * working directory), with its outcome asserted. TypeScript blocks are also type-checked together.
 *
 * The only edits made to a block before it runs:
 * - `http://127.0.0.1:3000` becomes the test node's address (it listens on a free port);
 * - the webhook receiver's port 4000 becomes a free port;
 * - shell blocks run with `SWITCHBOARD_DATA_DIR` naming the node's data directory, since `npm run` runs the CLI from
 *   the repository root while the node runs in a scratch directory (a user runs both from the repository root).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, startCli, stopChild } from '../cli/run-cli.js';
import { type CodeBlock, codeBlocks, documentationPages, REPO_ROOT } from './markdown.js';

const DOC_ADDRESS = 'http://127.0.0.1:3000';
const blocks = documentationPages().flatMap(codeBlocks);

/** The named blocks this file runs, each by the test below that names it. */
const RUN = [
  'banner',
  'tour-curl',
  'cli-commands',
  'sdk-quick-start',
  'sdk-quick-start-run',
  'realtime-quick-start',
  'vapid-keys',
  'push-setup',
  'webhook-receiver',
  'webhook-setup',
  'switchboard.service',
  'backup-sqlite',
];

const where = (b: CodeBlock) => `${b.file}:${b.line}`;

function block(name: string): CodeBlock {
  const found = blocks.filter((b) => b.name === name);
  assert.equal(found.length, 1, `one block named ${name}`);
  return found[0] as CodeBlock;
}

describe('documentation code blocks are run or marked', () => {
  it('every block is marked `fragment` or named by a test that runs it', () => {
    const unmarked = blocks.filter((b) => b.name !== 'fragment' && !RUN.includes(b.name ?? ''));
    assert.deepEqual(
      unmarked.map((b) => `${where(b)} \`\`\`${b.lang} ${b.name ?? ''}`),
      [],
      'give each block a name run in doc-blocks.test.ts, or mark it `fragment`',
    );
  });

  it('every block this file runs is in the docs, once', () => {
    for (const name of RUN) block(name);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(Object.assign(err, { stdout, stderr }));
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

describe('documentation code blocks, run against a started node', () => {
  mkdirSync(join(REPO_ROOT, '.scratch'), { recursive: true });
  // Inside the repository, so `@switchboard/sdk`, `ws` and tsx resolve as they do for a file saved at its root.
  const scratch = mkdtempSync(join(REPO_ROOT, '.scratch', 'docs-'));
  let node: ChildProcess | undefined;
  let address = '';
  let banner = () => '';
  let credentials = { api_key: '', api_secret: '' };

  const runnable = (code: string) => code.replaceAll(DOC_ADDRESS, address);
  const shellEnv = () => cleanEnv({ SWITCHBOARD_DATA_DIR: join(scratch, 'data') });
  const tsEnv = () =>
    cleanEnv({ SWITCHBOARD_API_KEY: credentials.api_key, SWITCHBOARD_API_SECRET: credentials.api_secret });
  const shell = (code: string) => run('bash', ['-euo', 'pipefail', '-c', runnable(code)], scratch, shellEnv());
  const save = (file: string, code: string) => writeFileSync(join(scratch, file), runnable(code));
  const tsx = (file: string) => run(process.execPath, ['--import', 'tsx', file], scratch, tsEnv());

  before(async () => {
    const started = await startCli(
      // As docs/webhooks.md says to start a node whose webhook receiver runs on the same machine.
      { PORT: '0', LOG_LEVEL: 'silent', SWITCHBOARD_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' },
      60_000,
      'source',
      scratch,
    );
    node = started.child;
    address = started.address;
    banner = started.stdout;
    credentials = JSON.parse(readFileSync(join(scratch, 'data', 'credentials.json'), 'utf8'));
  });
  after(async () => {
    if (node) await stopChild(node);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('banner: the first start prints what the README shows (key and secret aside)', () => {
    const normal = (text: string) =>
      text
        .trim()
        .replace(/(API key: +)\S+/, '$1<key>')
        .replace(/(API secret: +)\S+/, '$1<secret>');
    assert.equal(normal(banner().replaceAll(address, DOC_ADDRESS)), normal(block('banner').code));
  });

  it('tour-curl: creates the users and the call, then reads it as jack with a user token', async () => {
    const { code, stdout, stderr } = await shell(block('tour-curl').code);
    assert.equal(code, 0, stderr);
    // curl prints each answer without a newline after it: the three JSON bodies follow each other.
    const answers = stdout
      .replace(/\}(?=\{")/g, '}\n')
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(answers.length, 3, stdout);
    assert.deepEqual(Object.keys(answers[0].users).sort(), ['jack', 'john']);
    assert.equal(answers[1].created, true);
    assert.equal(answers[2].call.cid, 'default:curl-quick-start');
    assert.ok(answers[2].own_capabilities.includes('join-call'), 'jack, a member, may join');
  });

  it('cli-commands: the configuration table, a passing check and two tokens', async () => {
    const { code, stdout, stderr } = await shell(block('cli-commands').code);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^\| variable \| default \| description \|\n/);
    assert.match(stdout, /config check: ok/);
    assert.equal(stdout.match(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/gm)?.length, 2, stdout);
  });

  it('sdk-quick-start: saved as quick-start.ts and run as the guide says', async () => {
    save('quick-start.ts', block('sdk-quick-start').code);
    const { code, stdout, stderr } = await shell(block('sdk-quick-start-run').code);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /created: false/);
    assert.match(stdout, /token for jack: eyJ/);
    assert.match(stdout, /default:sdk-quick-start ended at \S+ members: .*emily \(admin\)/);
    assert.doesNotMatch(stdout, /sara/, 'sara was removed');
  });

  it('realtime-quick-start: jack is rung, accepts, joins and leaves', async () => {
    save('realtime.ts', block('realtime-quick-start').code);
    const { code, stdout, stderr } = await tsx('realtime.ts');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /ringing from john/);
    assert.match(stdout, /participants: \[ 'jack' \]/);
  });

  it('vapid-keys and push-setup: the three providers are accepted and bob has his device', async () => {
    save('vapid-keys.ts', block('vapid-keys').code);
    const keys = await tsx('vapid-keys.ts');
    assert.equal(keys.code, 0, keys.stderr);
    const vapid = JSON.parse(readFileSync(join(scratch, 'vapid.json'), 'utf8'));
    assert.equal(Buffer.from(vapid.publicKey, 'base64url').length, 65);
    assert.equal(Buffer.from(vapid.privateKey, 'base64url').length, 32);

    // The two files the guide says you get from Apple and Google, made here with keys of the same kinds.
    const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(scratch, 'AuthKey_ABC123DEFG.p8'), p8);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const account = { project_id: 'example', client_email: 'push@example.iam.gserviceaccount.com', private_key: rsa };
    writeFileSync(join(scratch, 'firebase-service-account.json'), JSON.stringify(account));

    save('push-setup.ts', block('push-setup').code);
    const setup = await tsx('push-setup.ts');
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stdout, /bob has 1 device\(s\)/);
  });

  it('webhook-receiver and webhook-setup: the receiver verifies and prints the call events', async () => {
    const port = String(await freePort());
    const withPort = (code: string) =>
      code.replaceAll('listen(4000)', `listen(${port})`).replaceAll(':4000/', `:${port}/`);
    save('webhook-receiver.ts', withPort(block('webhook-receiver').code));
    save('webhook-setup.ts', withPort(block('webhook-setup').code));
    const receiver = spawn(process.execPath, ['--import', 'tsx', 'webhook-receiver.ts'], {
      cwd: scratch,
      env: tsEnv(),
    });
    let printed = '';
    const ended = new Promise<void>((resolve, reject) => {
      receiver.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes('call.ended default:webhook-quick-start')) resolve();
      });
      receiver.once('exit', (code) => reject(new Error(`the receiver exited with ${code}: ${printed}`)));
    });
    try {
      // The receiver prints nothing when it listens: wait until it answers (an unsigned request gets its 401).
      const deadline = Date.now() + 60_000;
      for (;;) {
        const answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).catch(() => undefined);
        if (answer) {
          assert.equal(answer.status, 401, 'an unsigned delivery is refused');
          break;
        }
        assert.ok(Date.now() < deadline, 'the receiver never listened');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const setup = await tsx('webhook-setup.ts');
      assert.equal(setup.code, 0, setup.stderr);
      await ended;
      assert.match(
        printed,
        /call\.created default:webhook-quick-start\n[\s\S]*call\.ended default:webhook-quick-start/,
      );
    } finally {
      receiver.kill();
    }
  });

  it('switchboard.service: systemd accepts the unit', async (t) => {
    const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((file) => existsSync(file));
    if (!systemdAnalyze) return t.skip('systemd-analyze is not installed');
    const unit = join(scratch, 'switchboard.service');
    writeFileSync(unit, block('switchboard.service').code);
    const { code, stderr } = await run(systemdAnalyze, ['verify', unit], scratch, process.env);
    assert.equal(code, 0, stderr);
    assert.equal(stderr.trim(), '', 'no warnings');
  });

  it('backup-sqlite: an online backup of the running node passes the integrity check', async (t) => {
    if (!['/usr/bin/sqlite3', '/bin/sqlite3'].some((file) => existsSync(file)))
      return t.skip('the sqlite3 command is not installed');
    const { code, stdout, stderr } = await shell(block('backup-sqlite').code);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), 'ok');
    assert.ok(existsSync(join(scratch, 'switchboard-backup.db')));
  });
});

describe('documentation TypeScript blocks type-check', () => {
  it('every runnable ts block compiles with the repository settings', async () => {
    mkdirSync(join(REPO_ROOT, '.scratch'), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, '.scratch', 'docs-tsc-'));
    try {
      const ts = blocks.filter((b) => b.lang === 'ts' && b.name !== 'fragment');
      for (const b of ts) writeFileSync(join(dir, `${b.name}.ts`), b.code);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ extends: '../../tsconfig.base.json', include: ['*.ts'] }),
      );
      const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const { code, stdout } = await run(process.execPath, [tsc, '-p', dir], dir, process.env, 300_000);
      assert.equal(code, 0, stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
