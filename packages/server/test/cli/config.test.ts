import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS } from '../../src/app/config.js';
import { settingsMarkdownTable } from '../../src/cli/config-env.js';
import { runCli } from './run-cli.js';

const README = new URL('../../../../README.md', import.meta.url);

describe('switchboard config env', () => {
  it('prints a markdown table with every setting, its default and description', async () => {
    const { code, stdout } = await runCli(['config', 'env']);
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

describe('README configuration table', () => {
  const readme = readFileSync(README, 'utf8');

  it('mentions every environment variable', () => {
    for (const s of SETTINGS) assert.ok(readme.includes(`\`${s.env}\``), `README.md documents ${s.env}`);
  });

  it('is the current output of `switchboard config env` (regenerate with `npm run -s cli -- config env`)', () => {
    assert.ok(readme.includes(settingsMarkdownTable()), 'README.md table is out of date');
  });
});
