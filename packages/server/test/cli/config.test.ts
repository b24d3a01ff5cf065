import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS } from '../../src/app/config.js';
import { settingsMarkdownTable } from '../../src/cli/config-env.js';
import { configurationGuide } from '../../src/cli/configuration-guide.js';
import { runCli } from './run-cli.js';

const GUIDE = new URL('../../../../docs/configuration.md', import.meta.url);

describe('switchboard config env', () => {
  it('prints a markdown table with every setting, its default and description', async () => {
    const { code, stdout } = await runCli(['config', 'env']);
    assert.equal(code, 0);
    assert.match(stdout, /^\| variable \| default \| description \|\n\| --- \| --- \| --- \|\n/);
    for (const s of SETTINGS) {
      const row = stdout.split('\n').find((line) => line.startsWith(`| \`${s.env}\` |`));
      assert.ok(row, `${s.env} is listed`);
      assert.ok(row.includes(s.description.replaceAll('|', '\\|')), `${s.env} has its description`);
      if (s.default !== undefined) assert.ok(row.includes(`\`${String(s.default)}\``), `${s.env} shows its default`);
    }
  });
});

describe('switchboard config check', () => {
  it('accepts the defaults', async () => {
    const { code, stdout } = await runCli(['config', 'check']);
    assert.equal(code, 0);
    assert.match(stdout, /config check: ok/);
  });

  it('fails on an invalid value and names the variable', async () => {
    const { code, stderr } = await runCli(['config', 'check'], { PORT: 'abc' });
    assert.equal(code, 1);
    assert.match(stderr, /PORT/);
  });

  it('fails on a key without its secret', async () => {
    const { code, stderr } = await runCli(['config', 'check'], { SWITCHBOARD_API_KEY: 'k' });
    assert.equal(code, 1);
    assert.match(stderr, /SWITCHBOARD_API_SECRET/);
  });

  it('warns about unknown SWITCHBOARD_* variables without failing, and never prints the secret', async () => {
    const { code, stdout, stderr } = await runCli(['config', 'check'], {
      SWITCHBOARD_DATADIR: '/tmp/typo',
      SWITCHBOARD_API_KEY: 'k',
      SWITCHBOARD_API_SECRET: 'very-secret-value',
    });
    assert.equal(code, 0);
    assert.match(stderr, /unknown variable SWITCHBOARD_DATADIR/);
    assert.ok(!stdout.includes('very-secret-value') && !stderr.includes('very-secret-value'));
  });

  it('rejects unknown subcommands with the usage text and exit code 2', async () => {
    const { code, stderr } = await runCli(['config', 'nope']);
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
