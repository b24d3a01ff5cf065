import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { CLOCK_SKEW_SECONDS, createServerToken, SwitchboardClient } from '../src/index.js';

const SECRET = 'test-secret-with-enough-entropy';
const key = new TextEncoder().encode(SECRET);
const client = new SwitchboardClient('key', SECRET);
const now = () => Math.floor(Date.now() / 1000);

describe('tokens', () => {
  it('server token is HS256 { server: true } without expiry', async () => {
    const token = await createServerToken(SECRET);
    assert.equal(decodeProtectedHeader(token).alg, 'HS256');
    const { payload } = await jwtVerify(token, key);
    assert.equal(payload.server, true);
    assert.equal(payload.exp, undefined);
  });

  it('server token does not verify with another secret', async () => {
    const token = await createServerToken(SECRET);
    await assert.rejects(jwtVerify(token, new TextEncoder().encode('other')));
  });

  it('user token carries user_id, iat a little in the past and exp from validity', async () => {
    const before = now();
    const token = await client.generateUserToken({ user_id: 'alice', validity_in_seconds: 3600 });
    const { payload } = await jwtVerify(token, key);
    assert.equal(payload.user_id, 'alice');
    assert.ok(payload.iat !== undefined && payload.iat <= before && payload.iat >= before - CLOCK_SKEW_SECONDS - 1);
    assert.ok(payload.exp !== undefined && payload.exp >= before + 3600 && payload.exp <= now() + 3600);
    assert.equal(payload.call_cids, undefined);
    assert.equal(payload.server, undefined);
  });

  it('user token without validity has no exp', async () => {
    const { payload } = await jwtVerify(await client.generateUserToken({ user_id: 'bob' }), key);
    assert.equal(payload.exp, undefined);
  });

  it('explicit iat and exp are used as given; exp wins over validity', async () => {
    const iat = now() - 100;
    const a = await jwtVerify(await client.generateUserToken({ user_id: 'u', iat, validity_in_seconds: 500 }), key);
    assert.equal(a.payload.iat, iat);
    assert.equal(a.payload.exp, iat + 500);
    const exp = now() + 42;
    const b = await jwtVerify(await client.generateUserToken({ user_id: 'u', exp, validity_in_seconds: 500 }), key);
    assert.equal(b.payload.exp, exp);
  });

  it('call token carries call_cids (and role when given)', async () => {
    const token = await client.generateCallToken({
      user_id: 'carol',
      call_cids: ['default:standup', 'livestream:launch'],
      validity_in_seconds: 60,
      role: 'host',
    });
    const { payload } = await jwtVerify(token, key);
    assert.equal(payload.user_id, 'carol');
    assert.deepEqual(payload.call_cids, ['default:standup', 'livestream:launch']);
    assert.equal(payload.role, 'host');
    assert.ok(typeof payload.exp === 'number');
  });

  it('user token with call_cids restricts to those calls', async () => {
    const token = await client.generateUserToken({ user_id: 'dan', call_cids: ['default:x'] });
    const { payload } = await jwtVerify(token, key);
    assert.deepEqual(payload.call_cids, ['default:x']);
  });

  it('refuses bad arguments before signing', async () => {
    await assert.rejects(client.generateUserToken({ user_id: '' }), TypeError);
    await assert.rejects(client.generateUserToken({ user_id: 'u', validity_in_seconds: -1 }), TypeError);
    await assert.rejects(client.generateCallToken({ user_id: 'u', call_cids: [] }), TypeError);
    assert.throws(() => new SwitchboardClient('key', ''), TypeError);
    assert.throws(() => new SwitchboardClient('', SECRET), TypeError);
  });
});
