/**
 * Finding 12 (the input parts): a leap-second `starts_at` answered 500; a malformed percent-encoding, an
 * over-long path parameter and an oversized header answered in fastify's or Node's own shape; a token issued in
 * the future was accepted; a token whose `call_cids` is not a list was treated as unscoped (fail open); anonymous
 * clients could list every user.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import { SignJWT } from 'jose';
import { uid } from '../realtime/support.js';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { type RawResponse, raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';

/** GET through node:http, so the path and headers go out exactly as written (fetch would normalize them). */
function rawGet(t: TestNode, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`non-JSON response ${res.statusCode}: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

eachDatabase('adversarial: smaller input findings', (node) => {
  it('refuses a starts_at JavaScript cannot represent (leap second, offset without minutes) with code 4', async () => {
    const t = node();
    const owner = uid('owner');
    await seedUsers(t, owner);
    const path = `/api/v2/video/call/default/${uid('leap')}`;
    for (const startsAt of ['2030-12-31T23:59:60Z', '2030-02-30T10:00:00Z', '2030-01-01T10:00:00+05']) {
      assertApiError(
        await raw(t, 'POST', path, { body: { data: { created_by_id: owner, starts_at: startsAt } } }),
        400,
        4,
        { field: 'data.starts_at' },
      );
    }
    const created = await raw(t, 'POST', path, { body: { data: { created_by_id: owner } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assertApiError(await raw(t, 'PATCH', path, { body: { starts_at: '2030-06-30T23:59:60Z' } }), 400, 4, {
      field: 'starts_at',
    });
  });

  it('answers a bad percent-encoding (400), an over-long path parameter (414) and huge headers (431) as API errors', async () => {
    const t = node();
    const auth = { authorization: t.serverToken, 'stream-auth-type': 'jwt' };
    const query = `?api_key=${t.apiKey}`;
    assertApiError(await rawGet(t, `/api/v2/video/call/default/in1%ZZ${query}`, auth), 400, 4, { field: 'path' });
    assertApiError(await rawGet(t, `/api/v2/video/call/default/x%ED%A0%80${query}`, auth), 400, 4, { field: 'path' });
    assertApiError(await rawGet(t, `/api/v2/video/call/default/${'a'.repeat(200)}${query}`, auth), 414, 4, {
      field: 'path',
    });
    const huge = await rawGet(t, `/api/v2/video/call/default/abc${query}`, { ...auth, 'x-big': 'a'.repeat(17_000) });
    assertApiError(huge, 431, 4, { field: 'headers' });
  });

  it('refuses a token issued more than 60 s in the future, accepts small clock skew', async () => {
    const t = node();
    const who = uid('iat');
    await seedUsers(t, who);
    const now = Math.floor(Date.now() / 1000);
    const path = '/api/v2/video/calls';
    // Signed here: the test node's helper stamps iat itself.
    const signWithIat = (iat: number) =>
      new SignJWT({ user_id: who, iat })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(t.apiSecret));
    const future = await signWithIat(now + 3600);
    assertApiError(await raw(t, 'POST', path, { token: future, body: {} }), 401, 5, { mentions: 'iat' });
    // Refused again: a refused token is never remembered as verified.
    assertApiError(await raw(t, 'POST', path, { token: future, body: {} }), 401, 5);
    const skewed = await signWithIat(now + 20);
    assert.equal((await raw(t, 'POST', path, { token: skewed, body: {} })).status, 200);
  });

  it('refuses a token whose call_cids is not a list of strings instead of treating it as unscoped', async () => {
    const t = node();
    const owner = uid('owner');
    await seedUsers(t, owner);
    const path = `/api/v2/video/call/default/${uid('scoped')}`;
    const created = await raw(t, 'POST', path, { body: { data: { created_by_id: owner } } });
    assert.equal(created.status, 200);
    for (const callCids of ['default:elsewhere', ['default:elsewhere', 7], { 0: 'default:elsewhere' }]) {
      const token = await t.userToken(owner, { call_cids: callCids });
      assertApiError(await raw(t, 'GET', path, { token }), 401, 5, { mentions: 'call_cids' });
    }
    const scoped = await t.userToken(owner, { call_cids: ['default:elsewhere'] });
    const refused = await raw(t, 'GET', path, { token: scoped });
    assert.ok(refused.status === 403 || refused.status === 404, `a scoped token stays scoped: ${refused.status}`);
  });

  it('refuses anonymous QueryUsers with 403/17 and still lists users for server and user tokens', async () => {
    const t = node();
    const who = uid('listed');
    await seedUsers(t, who);
    const anonymous = await raw(t, 'GET', '/api/v2/users', {
      token: null,
      headers: { 'stream-auth-type': 'anonymous' },
    });
    assertApiError(anonymous, 403, 17, { operation: 'QueryUsers' });
    const payload = JSON.stringify({ filter_conditions: { id: who } });
    for (const token of [t.serverToken, await t.userToken(who)]) {
      const res = await raw(t, 'GET', '/api/v2/users', { token, query: { payload } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        (res.body.users as { id: string }[]).map((u) => u.id),
        [who],
      );
    }
  });
});
