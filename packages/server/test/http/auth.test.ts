/**
 * Authentication and authorisation over raw HTTP (issue part 3, docs/api.md "Authentication"): api_key, JWT checks with their
 * codes, `Bearer`, `call_cids` scoping, server-only operations, the ignored `role` claim and anonymous viewers.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { SignJWT } from 'jose';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

const CALL = '/api/v2/video/call/default/room';

function sign(secret: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(secret));
}

/** A JWT with `alg: none` and no signature, which must never authenticate. */
function unsignedToken(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

eachDatabase('http auth', (node) => {
  before(async () => {
    await seedUsers(node(), 'alice', 'bob', 'carol', 'gone');
    const body = {
      data: { created_by_id: 'alice', members: [{ user_id: 'alice', role: 'admin' }, { user_id: 'bob' }] },
    };
    assert.equal((await raw(node(), 'POST', CALL, { body })).status, 200);
    const other = { data: { created_by_id: 'alice' } };
    assert.equal((await raw(node(), 'POST', '/api/v2/video/call/default/other', { body: other })).status, 200);
    const live = { data: { created_by_id: 'alice' } };
    assert.equal((await raw(node(), 'POST', '/api/v2/video/call/livestream/show', { body: live })).status, 200);
    const del = await raw(node(), 'POST', '/api/v2/users/delete', { body: { user_ids: ['gone'] } });
    assert.equal(del.status, 200);
  });

  it('a missing or wrong api_key is 401 code 2, even with a valid server token', async () => {
    assertApiError(await raw(node(), 'GET', CALL, { apiKey: null }), 401, 2, { operation: 'GetCall' });
    assertApiError(await raw(node(), 'GET', CALL, { apiKey: 'not-our-key' }), 401, 2, { mentions: 'not-our-key' });
    assertApiError(await raw(node(), 'GET', '/video/calltypes', { apiKey: '' }), 401, 2);
    assertApiError(await raw(node(), 'GET', '/api/v2/users', { apiKey: null }), 401, 2);
  });

  it('a missing or unparseable token is 401 code 5', async () => {
    assertApiError(await raw(node(), 'GET', CALL, { token: null }), 401, 5, { operation: 'GetCall' });
    assertApiError(await raw(node(), 'GET', CALL, { token: 'not-a-jwt' }), 401, 5);
    assertApiError(await raw(node(), 'GET', CALL, { token: 'Bearer ' }), 401, 5);
    assertApiError(await raw(node(), 'GET', CALL, { token: unsignedToken({ server: true }) }), 401, 5);
  });

  it('a token signed with another secret is 401 code 43', async () => {
    const server = await sign('some-other-secret', { server: true });
    assertApiError(await raw(node(), 'GET', CALL, { token: server }), 401, 43);
    const user = await sign('some-other-secret', { user_id: 'alice' });
    assertApiError(await raw(node(), 'POST', CALL, { token: user, body: {} }), 401, 43, {
      operation: 'GetOrCreateCall',
    });
  });

  it('an expired token is 401 code 40; a future exp is accepted', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await node().userToken('alice', {}, past);
    assertApiError(await raw(node(), 'GET', CALL, { token: expired }), 401, 40);
    const valid = await node().userToken('alice', {}, '1h');
    assert.equal((await raw(node(), 'GET', CALL, { token: valid })).status, 200);
  });

  it('a token for an unknown or deleted user, or naming nobody, is 401 code 5', async () => {
    assertApiError(await raw(node(), 'GET', CALL, { token: await node().userToken('stranger') }), 401, 5, {
      mentions: 'stranger',
    });
    assertApiError(await raw(node(), 'GET', CALL, { token: await node().userToken('gone') }), 401, 5);
    const nobody = await sign(node().apiSecret, { server: false });
    assertApiError(await raw(node(), 'GET', CALL, { token: nobody }), 401, 5);
  });

  it('the Authorization header is accepted with and without a Bearer prefix', async () => {
    const user = await node().userToken('alice');
    for (const token of [user, `Bearer ${user}`, `bearer ${user}`, `Bearer ${node().serverToken}`]) {
      const res = await raw(node(), 'GET', CALL, { token });
      assert.equal(res.status, 200, `${token.slice(0, 10)}…: ${JSON.stringify(res.body)}`);
    }
  });

  it('a call_cids token works on its calls only: elsewhere 403 code 17', async () => {
    const token = await node().userToken('bob', { call_cids: ['default:room'] });
    assert.equal((await raw(node(), 'GET', CALL, { token })).status, 200);
    const other = await raw(node(), 'GET', '/api/v2/video/call/default/other', { token });
    assertApiError(other, 403, 17, { operation: 'GetCall', mentions: 'default:other' });
    const create = await raw(node(), 'POST', '/api/v2/video/call/default/brand-new', { token, body: {} });
    assertApiError(create, 403, 17);
    const gone = await raw(node(), 'GET', '/api/v2/video/call/default/brand-new');
    assertApiError(gone, 404, 16);
    const patch = await raw(node(), 'PATCH', '/api/v2/video/call/default/other', { token, body: { custom: {} } });
    assertApiError(patch, 403, 17);
  });

  it('a user token cannot manage call types: 403 code 17', async () => {
    const token = await node().userToken('alice');
    assertApiError(await raw(node(), 'GET', '/api/v2/video/calltypes', { token }), 403, 17, {
      operation: 'ListCallTypes',
    });
    assertApiError(await raw(node(), 'GET', '/api/v2/video/calltypes/default', { token }), 403, 17);
    const create = await raw(node(), 'POST', '/api/v2/video/calltypes', { token, body: { name: 'mine' } });
    assertApiError(create, 403, 17, { operation: 'CreateCallType' });
    const grants = { grants: { user: ['end-call'] } };
    assertApiError(await raw(node(), 'PUT', '/api/v2/video/calltypes/default', { token, body: grants }), 403, 17);
    assertApiError(await raw(node(), 'DELETE', '/api/v2/video/calltypes/development', { token }), 403, 17);
    const still = await raw(node(), 'GET', '/api/v2/video/calltypes/default');
    assert.ok(!(still.body.grants as Record<string, string[]>).user?.includes('end-call'));
  });

  it('a user token acts as that user, with its own capabilities; the role claim is ignored', async () => {
    const carol = await node().userToken('carol', { role: 'admin' });
    const read = await raw(node(), 'GET', CALL, { token: carol });
    assert.equal(read.status, 200);
    assert.ok(!(read.body.own_capabilities as string[]).includes('end-call'));
    assertApiError(await raw(node(), 'POST', `${CALL}/mark_ended`, { token: carol, body: {} }), 403, 17, {
      operation: 'EndCall',
    });
    assertApiError(await raw(node(), 'PATCH', CALL, { token: carol, body: { custom: { by: 'carol' } } }), 403, 17);
    const bob = await node().userToken('bob');
    const patch = await raw(node(), 'PATCH', CALL, { token: bob, body: { custom: { by: 'bob' } } });
    assert.equal(patch.status, 200, 'call_member holds update-call on default');
    const members = { update_members: [{ user_id: 'carol' }] };
    assertApiError(await raw(node(), 'POST', `${CALL}/members`, { token: bob, body: members }), 403, 17);
  });

  it('a user creating a call is its creator, whatever created_by_id says', async () => {
    const token = await node().userToken('carol');
    const body = { data: { created_by_id: 'alice' } };
    const res = await raw(node(), 'POST', '/api/v2/video/call/default/carols', { token, body });
    assert.equal(res.status, 200);
    assert.equal((res.body.call as { created_by: { id: string } }).created_by.id, 'carol');
  });

  it('a user token may only write its own user, never its role, and may not delete users', async () => {
    const token = await node().userToken('carol');
    const self = await raw(node(), 'POST', '/api/v2/users', {
      token,
      body: { users: { carol: { id: 'carol', name: 'C' } } },
    });
    assert.equal(self.status, 200);
    const other = await raw(node(), 'POST', '/api/v2/users', { token, body: { users: { bob: { id: 'bob' } } } });
    assertApiError(other, 403, 17, { operation: 'UpsertUsers' });
    const promote = { users: [{ id: 'carol', set: { role: 'admin' } }] };
    assertApiError(await raw(node(), 'PATCH', '/api/v2/users', { token, body: promote }), 403, 17);
    const del = await raw(node(), 'POST', '/api/v2/users/delete', { token, body: { user_ids: ['bob'] } });
    assertApiError(del, 403, 17, { operation: 'DeleteUsers' });
  });

  it('anonymous viewers may read a livestream but not a default call', async () => {
    const anonymous = { token: null, headers: { 'stream-auth-type': 'anonymous' } };
    const live = await raw(node(), 'GET', '/api/v2/video/call/livestream/show', anonymous);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.deepEqual([...(live.body.own_capabilities as string[])].sort(), ['join-call', 'read-call']);
    assertApiError(await raw(node(), 'GET', CALL, anonymous), 403, 17);
    const create = await raw(node(), 'POST', '/api/v2/video/call/livestream/anon', { ...anonymous, body: {} });
    assertApiError(create, 403, 17);
    assertApiError(await raw(node(), 'GET', '/api/v2/video/call/livestream/anon'), 404, 16);
    assertApiError(await raw(node(), 'GET', '/api/v2/video/calltypes', anonymous), 403, 17);
    assertApiError(await raw(node(), 'GET', CALL, { token: null, headers: { 'stream-auth-type': 'jwt' } }), 401, 5);
  });
});
