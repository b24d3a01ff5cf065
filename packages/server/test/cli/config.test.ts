import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { SETTINGS } from '../../src/app/config.js';
import { settingsMarkdownTable } from '../../src/cli/config-env.js';
import { configurationGuide } from '../../src/cli/configuration-guide.js';
import { POSTGRES_URL, postgresSkipReason } from '../support/databases.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { runCli, runInProcess } from './run-cli.js';

const GUIDE = new URL('../../../../docs/configuration.md', import.meta.url);

describe('switchboard config env', () => {
  it('prints a markdown table with every setting, its default and description', async () => {
    const { code, stdout } = await runInProcess(['config', 'env']);
    assert.equal(code, 0);
    assert.match(stdout, /^\| variable \| default \| description \|\n\| --- \| --- \| --- \|\n/);
    for (const s of SETTINGS) {
      const row = stdout.split('\n').find((line) => line.startsWith(`| \`${s.env}\` |`));
      assert.ok(row, `${s.env} is listed`);
      assert.ok(row.includes(s.description.replaceAll('|', '\\|')), `${s.env} has its description`);
      const unset = s.default === undefined || (Array.isArray(s.default) && s.default.length === 0);
      if (!unset) assert.ok(row.includes(`\`${String(s.default)}\``), `${s.env} shows its default`);
      else assert.ok(row.includes('(unset)'), `${s.env} shows (unset)`);
    }
  });
});

/** A local port nothing listens on (taken from the OS, then released): a connect there is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const pgSkip = await postgresSkipReason();
const redisSkip = await redisSkipReason();

describe('switchboard --version', () => {
  it("prints the server package's version through the installed bin", async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout, `switchboard ${pkg.version}\n`);
  });
});

describe('switchboard config check', () => {
  it('accepts the defaults', async () => {
    const { code, stdout } = await runInProcess(['config', 'check']);
    assert.equal(code, 0);
    assert.match(stdout, /config check: ok/);
  });

  it('fails on an invalid value and names the variable', async () => {
    const { code, stderr } = await runInProcess(['config', 'check'], { PORT: 'abc' });
    assert.equal(code, 1);
    assert.match(stderr, /PORT/);
  });

  it('fails on a key without its secret', async () => {
    const { code, stderr } = await runInProcess(['config', 'check'], { SWITCHBOARD_API_KEY: 'k' });
    assert.equal(code, 1);
    assert.match(stderr, /SWITCHBOARD_API_SECRET/);
  });

  it('warns about unknown SWITCHBOARD_* variables without failing, and never prints the secret', async () => {
    const { code, stdout, stderr } = await runInProcess(['config', 'check'], {
      SWITCHBOARD_DATADIR: '/tmp/typo',
      SWITCHBOARD_API_KEY: 'k',
      SWITCHBOARD_API_SECRET: 'very-secret-value',
    });
    assert.equal(code, 0);
    assert.match(stderr, /unknown variable SWITCHBOARD_DATADIR/);
    assert.ok(!stdout.includes('very-secret-value') && !stderr.includes('very-secret-value'));
  });

  it('fails on REDIS_URL without DATABASE_URL, which start cannot run', async () => {
    const { code, stdout, stderr } = await runInProcess(['config', 'check'], { REDIS_URL: REDIS_URL });
    assert.equal(code, 1);
    assert.match(stderr, /REDIS_URL is set but DATABASE_URL is not/);
    assert.doesNotMatch(stdout, /config check: ok/);
  });

  it('fails on a DATABASE_URL nothing answers at, naming it', async () => {
    const url = `postgres://switchboard:pw@127.0.0.1:${await closedPort()}/app`;
    const { code, stdout, stderr } = await runInProcess(['config', 'check'], { DATABASE_URL: url });
    assert.equal(code, 1);
    assert.match(stderr, /^config check: DATABASE_URL: cannot use PostgreSQL at 127\.0\.0\.1:\d+ \(.*ECONNREFUSED/m);
    assert.doesNotMatch(stdout, /config check: ok/);
    assert.ok(!`${stdout}${stderr}`.includes(':pw@'), 'the password is never printed');
  });

  it('fails on a REDIS_URL nothing answers at, naming it', { skip: pgSkip }, async () => {
    const env = { DATABASE_URL: POSTGRES_URL, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` };
    const { code, stderr } = await runInProcess(['config', 'check'], env);
    assert.equal(code, 1);
    assert.match(stderr, /^config check: REDIS_URL: cannot use Redis at 127\.0\.0\.1:\d+ \(.*ECONNREFUSED/m);
  });

  it('connects to the PostgreSQL and Redis it is given', { skip: pgSkip ?? redisSkip }, async () => {
    const { code, stdout, stderr } = await runInProcess(['config', 'check'], {
      DATABASE_URL: POSTGRES_URL,
      REDIS_URL: REDIS_URL,
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /config check: ok \(database: PostgreSQL, answering; Redis answering\)/);
  });

  it('rejects unknown subcommands with the usage text and exit code 2', async () => {
    const { code, stderr } = await runInProcess(['config', 'nope']);
    assert.equal(code, 2);
    assert.match(stderr, /usage:/);
  });
});

describe('docs/configuration.md', () => {
  const guide = readFileSync(GUIDE, 'utf8');

  it('mentions every environment variable', () => {
    for (const s of SETTINGS) assert.ok(guide.includes(`\`${s.env}\``), `docs/configuration.md documents ${s.env}`);
  });

  it('is the current output of its generator (regenerate with `npm run docs:configuration`)', () => {
    assert.ok(guide.includes(settingsMarkdownTable()), 'the table is `switchboard config env`');
    assert.equal(guide, configurationGuide(), 'docs/configuration.md is stale: run `npm run docs:configuration`');
  });
});
