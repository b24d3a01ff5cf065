/**
 * Finding 8: the WebSocket handshake's `user_details` skipped the checks of the REST user upsert (a NUL in
 * `custom` then broke every `custom.*` QueryUsers on PostgreSQL; a NUL in `name` gave code -1), and lone UTF-16
 * surrogates were accepted everywhere (on PostgreSQL `sur\ud800` and `sur\udbff` became the same user). Now the
 * handshake validates `user_details` with the upsert's schema, and every string of every JSON input and every
 * token's `user_id` is refused with code 4 when it holds a lone surrogate. A custom nested past SQLite's JSON
 * depth (1000) cannot be stored any more, so `custom.*` filters keep working.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { uid } from '../realtime/support.js';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { deepObjectText, handshakeRefused, handshakeWith } from './support.js';

async function customFilterWorks(t: Parameters<typeof raw>[0]): Promise<void> {
  const payload = JSON.stringify({ filter_conditions: { 'custom.color': 'red' } });
  const res = await raw(t, 'GET', '/api/v2/users', { query: { payload } });
  assert.equal(res.status, 200, `custom.* QueryUsers: ${JSON.stringify(res.body)}`);
}

eachDatabase('adversarial: handshake user_details and lone surrogates', (node) => {
  it('validates user_details like the REST upsert: NUL, sizes and types are code 4 naming the field', async () => {
    const t = node();
    const who = uid('ws');
    const token = await t.userToken(who);
    const cases: [string, string][] = [
      [`{"id":"${who}","name":"a\\u0000b"}`, 'user_details.name'],
      [`{"id":"${who}","custom":{"note":"a\\u0000b"}}`, 'user_details.custom.note'],
      [`{"id":"${who}","name":"${'n'.repeat(1025)}"}`, 'user_details.name'],
      [`{"id":"${who}","image":7}`, 'user_details.image'],
      [`{"id":"${who}","custom":[1]}`, 'user_details.custom'],
      [`{"id":"${who}","teams":"not-a-list"}`, 'user_details.teams'],
    ];
    for (const [details, field] of cases) {
      const socket = await handshakeWith(t, `{"token":"${token}","user_details":${details}}`);
      await handshakeRefused(socket, 4, field);
    }
    await customFilterWorks(t);
    const listed = await raw(t, 'GET', '/api/v2/users', {
      query: { payload: JSON.stringify({ filter_conditions: { id: who } }) },
    });
    assert.deepEqual(listed.body.users, [], 'no refused handshake created the user');
  });

  it('refuses lone surrogates in ids, values and keys of bodies, the payload, handshakes and tokens', async () => {
    const t = node();
    for (const id of ['sur\\ud800', 'sur\\udbff', 'sur\\udc00']) {
      assertApiError(await raw(t, 'POST', '/api/v2/users', { body: `{"users":{"${id}":{"id":"${id}"}}}` }), 400, 4, {
        mentions: 'unpaired UTF-16 surrogate',
      });
    }
    const owner = uid('owner');
    await seedUsers(t, owner);
    const path = `/api/v2/video/call/default/${uid('s')}`;
    const inValue = `{"data":{"created_by_id":"${owner}","custom":{"k":"x\\ud83d"}}}`;
    assertApiError(await raw(t, 'POST', path, { body: inValue }), 400, 4, { field: 'data.custom.k' });
    const inKey = `{"data":{"created_by_id":"${owner}","custom":{"k\\ude00":1}}}`;
    assertApiError(await raw(t, 'POST', path, { body: inKey }), 400, 4, { mentions: 'surrogate' });
    const payload = `{"filter_conditions":{"name":"\\udfff"}}`;
    assertApiError(await raw(t, 'GET', '/api/v2/users', { query: { payload } }), 400, 4, { mentions: 'surrogate' });

    // A proper pair (an emoji) is fine.
    const pair = await raw(t, 'POST', path, {
      body: `{"data":{"created_by_id":"${owner}","custom":{"k":"\\ud83d\\ude00"}}}`,
    });
    assert.equal(pair.status, 200, JSON.stringify(pair.body));
    assert.deepEqual((pair.body.call as { custom: unknown }).custom, { k: '😀' });

    const loneToken = await t.userToken('sur\ud800');
    assertApiError(await raw(t, 'GET', path, { token: loneToken }), 400, 4, { field: 'user_id' });
    const socket = await handshakeWith(t, JSON.stringify({ token: loneToken }));
    await handshakeRefused(socket, 4);
    const detailsSocket = await handshakeWith(
      t,
      `{"token":"${await t.userToken(owner)}","user_details":{"id":"${owner}","name":"\\ud800"}}`,
    );
    await handshakeRefused(detailsSocket, 4, 'user_details.name');
  });

  it('a custom nested past 1000 levels cannot be stored, so custom.* filters keep answering', async () => {
    const t = node();
    const who = uid('deep');
    const res = await raw(t, 'POST', '/api/v2/users', {
      body: `{"users":{"${who}":{"id":"${who}","custom":${deepObjectText(1001)}}}}`,
    });
    assertApiError(res, 400, 4, { mentions: 'deep' });
    const socket = await handshakeWith(
      t,
      `{"token":"${await t.userToken(who)}","user_details":{"id":"${who}","custom":${deepObjectText(1001)}}}`,
    );
    await handshakeRefused(socket, 4);
    await customFilterWorks(t);
  });
});
