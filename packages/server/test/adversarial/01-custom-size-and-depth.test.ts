/**
 * Finding 1 (input side): every `custom` a client writes (call, member, user, custom event; REST and the WebSocket
 * handshake) is at most SWITCHBOARD_MAX_CUSTOM_BYTES (5 KB) UTF-8 bytes of JSON, and no request body or WebSocket
 * message nests deeper than SWITCHBOARD_MAX_JSON_DEPTH (32). Too large or too deep is code 4 naming the field,
 * and nothing is written.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { uid } from '../realtime/support.js';
import { assertApiError, outbox, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { deepObjectText, handshakeRefused, handshakeWith } from './support.js';

const LIMIT = 5 * 1024;
/** 3 UTF-8 bytes, 1 UTF-16 unit: a custom of N of these is ~3N bytes but only N string units. */
const EURO = '€';

/** A custom object of about `bytes` UTF-8 bytes of JSON made of multi-byte characters. */
function euros(bytes: number): { note: string } {
  return { note: EURO.repeat(Math.floor((bytes - 11) / 3)) };
}

eachDatabase('adversarial: custom size and JSON depth', (node) => {
  it('counts bytes, not UTF-16 units: a 6 KB custom of 2,000 characters is refused on every write path', async () => {
    const t = node();
    const owner = uid('owner');
    const callId = uid('big');
    await seedUsers(t, owner);
    const big = euros(6000);
    assert.ok(JSON.stringify(big).length < LIMIT, 'fits the limit when counted in UTF-16 units');
    assert.ok(Buffer.byteLength(JSON.stringify(big)) > LIMIT, 'is over the limit in bytes');

    const path = `/api/v2/video/call/default/${callId}`;
    assertApiError(await raw(t, 'POST', path, { body: { data: { created_by_id: owner, custom: big } } }), 400, 4, {
      field: 'data.custom',
      mentions: `${LIMIT} bytes`,
    });
    assertApiError(await raw(t, 'GET', path), 404, 16); // nothing was written

    const created = await raw(t, 'POST', path, { body: { data: { created_by_id: owner } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assertApiError(await raw(t, 'PATCH', path, { body: { custom: big } }), 400, 4, { field: 'custom' });
    assertApiError(
      await raw(t, 'POST', `${path}/members`, { body: { update_members: [{ user_id: owner, custom: big }] } }),
      400,
      4,
      { field: 'update_members[0].custom' },
    );
    const before = (await outbox(t)).length;
    assertApiError(await raw(t, 'POST', `${path}/event`, { body: { user_id: owner, custom: big } }), 400, 4, {
      field: 'custom',
    });
    assert.equal((await outbox(t)).length, before, 'no event was recorded');

    const victim = uid('victim');
    assertApiError(
      await raw(t, 'POST', '/api/v2/users', { body: { users: { [victim]: { id: victim, custom: big } } } }),
      400,
      4,
      {
        field: `users.${victim}.custom`,
      },
    );
    const listed = await raw(t, 'GET', '/api/v2/users', {
      query: { payload: JSON.stringify({ filter_conditions: { id: victim } }) },
    });
    assert.deepEqual(listed.body.users, [], 'the user was not created');

    const stored = await raw(t, 'GET', path);
    assert.deepEqual((stored.body.call as { custom: unknown }).custom, {}, 'the call kept its custom');
  });

  it('accepts a custom just under the limit in bytes', async () => {
    const t = node();
    const owner = uid('owner');
    await seedUsers(t, owner);
    const fits = euros(LIMIT - 20);
    assert.ok(Buffer.byteLength(JSON.stringify(fits)) <= LIMIT);
    const path = `/api/v2/video/call/default/${uid('fits')}`;
    const res = await raw(t, 'POST', path, { body: { data: { created_by_id: owner, custom: fits } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body.call as { custom: unknown }).custom, fits);
    const event = await raw(t, 'POST', `${path}/event`, { body: { user_id: owner, custom: fits } });
    assert.equal(event.status, 200, JSON.stringify(event.body));
  });

  it('bounds a user custom grown by partial updates', async () => {
    const t = node();
    const grower = uid('grower');
    await seedUsers(t, grower);
    const half = (key: string) => ({ [key]: 'x'.repeat(LIMIT / 2) });
    const first = await raw(t, 'PATCH', '/api/v2/users', {
      body: { users: [{ id: grower, set: { custom: half('a') } }] },
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assertApiError(
      await raw(t, 'PATCH', '/api/v2/users', { body: { users: [{ id: grower, set: { custom: half('b') } }] } }),
      400,
      4,
      { field: 'users[0].set.custom' },
    );
    const listed = await raw(t, 'GET', '/api/v2/users', {
      query: { payload: JSON.stringify({ filter_conditions: { id: grower } }) },
    });
    const [user] = listed.body.users as { custom: Record<string, unknown> }[];
    assert.deepEqual(Object.keys(user?.custom ?? {}), ['a'], 'the refused update left the custom as it was');
  });

  it('refuses a body nested deeper than 32 levels, naming where, before anything is written', async () => {
    const t = node();
    const owner = uid('owner');
    const callId = uid('deep');
    await seedUsers(t, owner);
    const path = `/api/v2/video/call/default/${callId}`;
    // data (1) → custom (2) → 31 more levels = 33.
    const body = `{"data":{"created_by_id":"${owner}","custom":${deepObjectText(31)}}}`;
    const res = await raw(t, 'POST', path, { body });
    assertApiError(res, 400, 4, { mentions: 'more than 32 deep' });
    const field = Object.keys(res.body.exception_fields as object)[0] ?? '';
    assert.match(field, /^data\.custom(\.a)+$/, `names the path into the value: ${field}`);
    assertApiError(await raw(t, 'GET', path), 404, 16);

    // Exactly 32 deep is fine.
    const ok = await raw(t, 'POST', path, {
      body: `{"data":{"created_by_id":"${owner}","custom":${deepObjectText(30)}}}`,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it('refuses deep JSON in every body, the QueryUsers payload, and thousands of levels without a 500', async () => {
    const t = node();
    const filter = `{"filter_conditions":{"custom.k":${deepObjectText(40)}}}`;
    assertApiError(await raw(t, 'POST', '/api/v2/video/calls', { body: filter }), 400, 4, { mentions: '32 deep' });
    const query = await raw(t, 'GET', '/api/v2/users', { query: { payload: filter } });
    assertApiError(query, 400, 4, { mentions: '32 deep' });
    assert.match(Object.keys(query.body.exception_fields as object)[0] ?? '', /^payload\.filter_conditions/);
    const arrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assertApiError(await raw(t, 'POST', '/api/v2/users', { body: `{"users":${arrays}}` }), 400, 4, {
      mentions: '32 deep',
    });
  });

  it('applies the same limits to the WebSocket handshake', async () => {
    const t = node();
    const who = uid('ws');
    const token = await t.userToken(who);
    const big = JSON.stringify(euros(6000));
    const tooBig = await handshakeWith(t, `{"token":"${token}","user_details":{"id":"${who}","custom":${big}}}`);
    await handshakeRefused(tooBig, 4, 'user_details.custom');
    const deep = await handshakeWith(
      t,
      `{"token":"${token}","user_details":{"id":"${who}","custom":${deepObjectText(40)}}}`,
    );
    await handshakeRefused(deep, 4);
    const listed = await raw(t, 'GET', '/api/v2/users', {
      query: { payload: JSON.stringify({ filter_conditions: { id: who } }) },
    });
    assert.deepEqual(listed.body.users, [], 'no user was created by the refused handshakes');
  });
});
