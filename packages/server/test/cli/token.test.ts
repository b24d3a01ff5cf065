import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { runCli, runInProcess, tempDataDir } from './run-cli.js';

const SECRET = 'cli-test-secret-0123456789';
const key = (secret: string) => new TextEncoder().encode(secret);

describe('switchboard token mint', () => {
  const data = tempDataDir();
  after(() => data.remove());

  it('mints a server token signed with SWITCHBOARD_API_SECRET, without expiry', async () => {
    const { code, stdout } = await runInProcess(['token', 'mint', '--server'], { SWITCHBOARD_API_SECRET: SECRET });
    assert.equal(code, 0);
    const { payload, protectedHeader } = await jwtVerify(stdout.trim(), key(SECRET), { algorithms: ['HS256'] });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.server, true);
    assert.equal(payload.exp, undefined);
    assert.equal(typeof payload.iat, 'number');
  });

  it('mints a user token with a ttl and call cids', async () => {
    const { code, stdout } = await runInProcess(
      ['token', 'mint', '--user', 'alice', '--ttl', '60', '--call-cids', 'default:a,livestream:b'],
      { SWITCHBOARD_API_SECRET: SECRET },
    );
    assert.equal(code, 0);
    const { payload } = await jwtVerify(stdout.trim(), key(SECRET));
    assert.equal(payload.user_id, 'alice');
    assert.deepEqual(payload.call_cids, ['default:a', 'livestream:b']);
    assert.equal(payload.exp! - payload.iat!, 60);
  });

  it('gives user tokens one hour by default, and none with --ttl 0', async () => {
    const hour = await runInProcess(['token', 'mint', '--user', 'bob'], { SWITCHBOARD_API_SECRET: SECRET });
    const { payload } = await jwtVerify(hour.stdout.trim(), key(SECRET));
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.equal(payload.call_cids, undefined);
    const forever = await runInProcess(['token', 'mint', '--user', 'bob', '--ttl', '0'], {
      SWITCHBOARD_API_SECRET: SECRET,
    });
    assert.equal((await jwtVerify(forever.stdout.trim(), key(SECRET))).payload.exp, undefined);
  });

  it('falls back to the credentials a node saved in the data dir', async () => {
    writeFileSync(join(data.dir, 'credentials.json'), JSON.stringify({ api_key: 'k1', api_secret: 'saved-secret' }));
    const { code, stdout } = await runInProcess(['token', 'mint', '--server'], { SWITCHBOARD_DATA_DIR: data.dir });
    assert.equal(code, 0);
    assert.equal((await jwtVerify(stdout.trim(), key('saved-secret'))).payload.server, true);
  });

  it('fails without a secret, and does not generate one', async () => {
    const empty = tempDataDir();
    try {
      const { code, stdout, stderr } = await runInProcess(['token', 'mint', '--server'], {
        SWITCHBOARD_DATA_DIR: empty.dir,
      });
      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.match(stderr, /SWITCHBOARD_API_SECRET/);
    } finally {
      empty.remove();
    }
  });

  it('prints only the token on stdout through the installed bin, with exit code 0', async () => {
    const { code, stdout, stderr } = await runCli(['token', 'mint', '--server'], { SWITCHBOARD_API_SECRET: SECRET });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.equal((await jwtVerify(stdout.trim(), key(SECRET))).payload.server, true);
  });

  it('says what --ttl takes when it is negative', async () => {
    for (const args of [['--ttl', '-5'], ['--ttl=-5']]) {
      const { code, stderr } = await runInProcess(['token', 'mint', '--user', 'x', ...args], {
        SWITCHBOARD_API_SECRET: SECRET,
      });
      assert.equal(code, 2);
      assert.match(
        stderr,
        /^switchboard: --ttl must be a whole number of seconds, 0 or more \(0 = no expiry\), got -5\n/,
      );
    }
  });

  for (const args of [
    ['--server', '--user', 'x'],
    [],
    ['--user', 'x', '--ttl', '-5'],
    ['--user', 'x', '--ttl', '1.5'],
    ['--user', 'x', '--call-cids', 'not-a-cid'],
    ['--server', '--call-cids', 'default:a'],
    ['--server', '--bogus'],
  ]) {
    it(`rejects ${JSON.stringify(args)} with exit code 2`, async () => {
      const { code, stdout, stderr } = await runInProcess(['token', 'mint', ...args], {
        SWITCHBOARD_API_SECRET: SECRET,
      });
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, /usage:/);
    });
  }
});
