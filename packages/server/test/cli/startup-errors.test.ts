/**
 * A node that cannot start says why in one line naming the setting, exits with code 1, prints no stack trace and
 * writes nothing (no generated credentials, no SQLite file): each case starts a real `switchboard start` process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { POSTGRES_URL, postgresSkipReason } from '../support/databases.js';
import { BIN, type CliResult, cleanEnv, tempDataDir } from './run-cli.js';

/** What `npm start` runs: the node's entry without the CLI around it. */
const NPM_START = ['--import', 'tsx', fileURLToPath(new URL('../../src/main.ts', import.meta.url))];
const pgSkip = await postgresSkipReason();

/** Runs a start that must fail; resolves with what it printed (a start that keeps running fails the test). */
function failedStart(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: cleanEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`start did not exit: ${err.message}\n${stdout}`));
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function closedPort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('start-up failures', { concurrency: true }, () => {
  const temp = tempDataDir();
  let busy: { server: Server; port: number };
  let refusedPort: number;
  before(async () => {
    busy = await listening();
    refusedPort = await closedPort();
  });
  after(() => {
    busy.server.close();
    temp.remove();
  });

  /** Starts with `env` in a data dir that does not exist yet; asserts the one-line failure and that nothing exists. */
  async function assertStartFails(
    name: string,
    env: Record<string, string>,
    line: RegExp,
    args = [BIN, 'start'],
    existing: string[] = [],
  ) {
    const dataDir = join(temp.dir, name);
    const { code, stdout, stderr } = await failedStart(args, {
      SWITCHBOARD_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    });
    assert.equal(code, 1, `exit code 1:\n${stdout}\n${stderr}`);
    assert.match(stderr, /^switchboard: [^\n]+\n$/, `exactly one line on stderr:\n${stderr}`);
    assert.match(stderr, line);
    assert.doesNotMatch(`${stdout}${stderr}`, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(stdout, /listening on/);
    const written = existsSync(dataDir) ? readdirSync(dataDir) : [];
    assert.deepEqual(written, existing, 'nothing written in the data dir');
  }

  it('PORT that is not a number', () => assertStartFails('port-abc', { PORT: 'abc' }, /PORT must be an integer/));

  it('PORT that is not a number, under `npm start` (src/main.ts without the CLI)', () =>
    assertStartFails('port-abc-main', { PORT: 'abc' }, /PORT must be an integer/, NPM_START));

  it('PORT already in use', () =>
    assertStartFails(
      'in-use',
      { PORT: String(busy.port) },
      new RegExp(`PORT ${busy.port} on 127\\.0\\.0\\.1 is already in use.*set PORT`),
    ));

  it('HOST that is not an address of this machine', () =>
    assertStartFails('host', { HOST: '192.0.2.1' }, /HOST 192\.0\.2\.1 is not an address of this machine/));

  it('REDIS_URL without DATABASE_URL', () =>
    assertStartFails(
      'redis-alone',
      { REDIS_URL: 'redis://127.0.0.1:6379' },
      /REDIS_URL is set but DATABASE_URL is not.*set DATABASE_URL/,
    ));

  it('SWITCHBOARD_API_KEY without its secret', () =>
    assertStartFails('key-alone', { SWITCHBOARD_API_KEY: 'k' }, /SWITCHBOARD_API_SECRET/));

  it('DATABASE_URL nothing answers at', () =>
    assertStartFails(
      'database-down',
      { DATABASE_URL: `postgres://postgres@127.0.0.1:${refusedPort}/test` },
      /DATABASE_URL: cannot use PostgreSQL at 127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\): start PostgreSQL there or fix DATABASE_URL/,
    ));

  it('REDIS_URL nothing answers at', { skip: pgSkip }, () =>
    assertStartFails(
      'redis-down',
      { DATABASE_URL: POSTGRES_URL, REDIS_URL: `redis://127.0.0.1:${refusedPort}` },
      /REDIS_URL: cannot use Redis at 127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\): start Redis there or fix REDIS_URL/,
    ),
  );

  // Under `npm start`: the CLI would print any error in one line, main.ts itself must know this one.
  it('a credentials.json in the data dir that is not JSON, under `npm start`', async () => {
    mkdirSync(join(temp.dir, 'bad-credentials'));
    writeFileSync(join(temp.dir, 'bad-credentials', 'credentials.json'), '{"api_key": ');
    await assertStartFails('bad-credentials', {}, /credentials\.json is not valid JSON .*fix or remove it/, NPM_START, [
      'credentials.json',
    ]);
  });

  it('a SQLite database file that cannot be opened: no credentials are left behind', async () => {
    mkdirSync(join(temp.dir, 'sqlite-blocked', 'switchboard.db'), { recursive: true });
    await assertStartFails('sqlite-blocked', {}, /SWITCHBOARD_DATA_DIR .*SQLITE_CANTOPEN/, undefined, [
      'switchboard.db',
    ]);
  });

  it('SWITCHBOARD_DATA_DIR that cannot be created', async () => {
    const file = join(temp.dir, 'a-file');
    writeFileSync(file, '');
    await assertStartFails('unused', { SWITCHBOARD_DATA_DIR: join(file, 'data') }, /SWITCHBOARD_DATA_DIR .*ENOTDIR/);
  });
});
