/**
 * Users over raw HTTP (issue part 4, docs/api.md "Endpoints"): upsert replaces, partial update sets and unsets, query by id
 * list through the `payload` query parameter, soft and hard delete; every bad input is a 4xx naming the field.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertApiError, DURATION, TIMESTAMP } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const USERS = '/api/v2/users';

eachDatabase('http users', (node) => {
  const upsert = (users: Record<string, unknown>) => raw(node(), 'POST', USERS, { body: { users } });
  const partial = (users: unknown[]) => raw(node(), 'PATCH', USERS, { body: { users } });
  const query = (payload: unknown) =>
    raw(node(), 'GET', USERS, { query: { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } });
  const byIds = async (...ids: string[]) =>
    ((await query({ filter_conditions: { id: { $in: ids } } })).body.users as Json[]) ?? [];

  it('upsert creates users in the User shape', async () => {
    const res = await upsert({
      john: { id: 'john', name: 'John', image: 'https://example.com/j.png', custom: { team: 'a' }, teams: ['blue'] },
      root: { id: 'root', role: 'admin' },
    });
    assert.equal(res.status, 200);
    assert.match(res.body.duration as string, DURATION);
    const { john, root } = res.body.users as Json;
    const fields = 'created_at custom id image name online role teams updated_at'.split(' ');
    assert.deepEqual(Object.keys(john).sort(), fields);
    assert.equal(john.name, 'John');
    assert.equal(john.role, 'user', 'role defaults to user');
    assert.deepEqual(john.custom, { team: 'a' });
    assert.deepEqual(john.teams, ['blue']);
    assert.equal(john.online, false);
    assert.match(john.created_at, TIMESTAMP);
    assert.match(john.updated_at, TIMESTAMP);
    assert.equal(root.role, 'admin');
    assert.equal(root.name, undefined, 'absent fields are omitted, not null');
  });

  it('upsert replaces the fields sent and clears the others, keeping created_at and role', async () => {
    const [before] = await byIds('john');
    const res = await upsert({ john: { id: 'john', custom: { mood: 'ok' } } });
    const john = (res.body.users as Json).john;
    assert.equal(john.name, undefined);
    assert.equal(john.image, undefined);
    assert.deepEqual(john.custom, { mood: 'ok' });
    assert.deepEqual(john.teams, []);
    assert.equal(john.created_at, before.created_at);
    assert.ok(john.updated_at >= before.updated_at);
    const again = await upsert({ root: { id: 'root', name: 'Root' } });
    assert.equal((again.body.users as Json).root.role, 'admin', 'an upsert without role keeps the stored role');
    assert.equal((await byIds('root'))[0].role, 'admin');
  });

  it('upsert refuses bad ids and mismatched keys, and writes none of the batch', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ 'a b ': { id: 'a b ' } }, 'users.a b .id'],
      [{ bell: { id: 'a\u0007b' } }, 'users.bell.id'],
      [{ '*': { id: '*' } }, 'users.*.id'],
      [{ long: { id: 'x'.repeat(256) } }, 'users.long.id'],
      [{ nameless: { name: 'no id' } }, 'users.nameless.id'],
      [{ typed: { id: 'typed', custom: 'text' } }, 'users.typed.custom'],
      [{ typed: { id: 'typed', teams: 'blue' } }, 'users.typed.teams'],
    ];
    for (const [users, field] of cases) {
      assertApiError(await upsert(users), 400, 4, { field, operation: 'UpsertUsers' });
    }
    const mismatch = await upsert({ fresh: { id: 'fresh' }, alias: { id: 'other' } });
    assertApiError(mismatch, 400, 4, { field: 'users.alias.id' });
    assert.deepEqual(await byIds('fresh', 'other', 'typed'), []);
    assertApiError(await raw(node(), 'POST', USERS, { body: { users: [] } }), 400, 4, { field: 'users' });
    assertApiError(await raw(node(), 'POST', USERS, { body: {} }), 400, 4, { field: 'users' });
  });

  it('upsert accepts ids with spaces and any printable Unicode, and reads them back', async () => {
    const ids = ['my friend', 'José Ñúñez', '山田 太郎', '👩‍💻 dev'];
    const res = await upsert(Object.fromEntries(ids.map((id) => [id, { id }])));
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body.users as Json).sort(), [...ids].sort());
    assert.deepEqual((await byIds(...ids)).map((u: Json) => u.id).sort(), [...ids].sort());
  });

  it('partial update sets fields (custom merged key by key) and unsets others', async () => {
    await upsert({ sara: { id: 'sara', name: 'Sara', image: 'i', custom: { a: 1, b: 2 }, teams: ['x'] } });
    const set = await partial([{ id: 'sara', set: { name: 'Sarah', custom: { b: 3, c: 4 } } }]);
    assert.equal(set.status, 200);
    const sara = (set.body.users as Json).sara;
    assert.equal(sara.name, 'Sarah');
    assert.equal(sara.image, 'i');
    assert.deepEqual(sara.custom, { a: 1, b: 3, c: 4 });
    const unset = await partial([{ id: 'sara', unset: ['image', 'teams'] }]);
    const after = (unset.body.users as Json).sara;
    assert.equal(after.image, undefined);
    assert.deepEqual(after.teams, []);
    assert.equal(after.name, 'Sarah');
    const [stored] = await byIds('sara');
    assert.deepEqual({ ...stored, online: false }, { ...after, online: false }, 'the response is what was stored');
  });

  it('partial update refuses unknown users and bad fields, all or nothing', async () => {
    const res = await partial([
      { id: 'sara', set: { name: 'S' } },
      { id: 'ghost', set: { name: 'G' } },
    ]);
    assertApiError(res, 400, 4, { field: 'users[1].id', operation: 'UpdateUsersPartial', mentions: 'ghost' });
    assert.equal((await byIds('sara'))[0].name, 'Sarah', 'the valid entry was not written either');
    assertApiError(await partial([{ id: 'sara', unset: ['role'] }]), 400, 4, { field: 'users[0].unset[0]' });
    assertApiError(await partial([{ id: 'sara', set: { name: 7 } }]), 400, 4, { field: 'users[0].set.name' });
    assertApiError(await partial([]), 400, 4, { field: 'users' });
  });

  it('query by id list answers users in the User shape', async () => {
    const res = await query({ filter_conditions: { id: { $in: ['john', 'sara', 'nobody'] } } });
    assert.equal(res.status, 200);
    assert.match(res.body.duration as string, DURATION);
    const ids = (res.body.users as Json[]).map((u) => u.id).sort();
    assert.deepEqual(ids, ['john', 'sara']);
    const one = await query({ filter_conditions: { id: 'john' } });
    assert.deepEqual(
      (one.body.users as Json[]).map((u) => u.id),
      ['john'],
    );
    const eq = await query({ filter_conditions: { id: { $eq: 'sara' } }, limit: 1 });
    assert.deepEqual(
      (eq.body.users as Json[]).map((u) => u.id),
      ['sara'],
    );
    assert.deepEqual((await query({ filter_conditions: { id: { $in: [] } } })).body.users, []);
    const all = await raw(node(), 'GET', USERS);
    assert.equal(all.status, 200);
    assert.ok((all.body.users as Json[]).length >= 3);
  });

  it('a bad query payload is 400 code 4 naming it', async () => {
    assertApiError(await query('{not json'), 400, 4, { field: 'payload', operation: 'QueryUsers' });
    assertApiError(await query({ limit: 0 }), 400, 4, { operation: 'QueryUsers' });
    assertApiError(await query({ limit: 'ten' }), 400, 4);
    assertApiError(await query({ filter_conditions: 'id' }), 400, 4);
    assertApiError(await query([]), 400, 4);
    const nul = await query({ filter_conditions: { id: 'a\u0000' } });
    assertApiError(nul, 400, 4, { field: 'payload.filter_conditions.id', operation: 'QueryUsers' });
  });

  it('soft delete hides a user from queries and membership; upsert brings it back', async () => {
    await upsert({ temp: { id: 'temp', name: 'Temp' } });
    const res = await raw(node(), 'POST', `${USERS}/delete`, { body: { user_ids: ['temp'] } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.deleted_user_ids, ['temp']);
    assert.deepEqual(await byIds('temp'), []);
    const call = { data: { created_by_id: 'john', members: [{ user_id: 'temp' }] } };
    const create = await raw(node(), 'POST', '/api/v2/video/call/default/with-temp', { body: call });
    assertApiError(create, 400, 4, { field: 'data.members[0].user_id' });
    await upsert({ temp: { id: 'temp' } });
    assert.deepEqual(
      (await byIds('temp')).map((u) => u.id),
      ['temp'],
    );
  });

  it('hard delete removes the user and its memberships; calls it created still answer', async () => {
    await upsert({ maker: { id: 'maker' } });
    const body = { data: { created_by_id: 'maker', members: [{ user_id: 'maker' }, { user_id: 'john' }] } };
    assert.equal((await raw(node(), 'POST', '/api/v2/video/call/default/made', { body })).status, 200);
    const del = await raw(node(), 'POST', `${USERS}/delete`, { body: { user_ids: ['maker'], user: 'hard' } });
    assert.equal(del.status, 200);
    const call = await raw(node(), 'GET', '/api/v2/video/call/default/made');
    assert.equal(call.status, 200);
    assert.equal((call.body.call as Json).created_by.id, 'maker');
    assert.deepEqual(
      (call.body.members as Json[]).map((m) => m.user_id),
      ['john'],
    );
    assert.equal((await upsert({ maker: { id: 'maker' } })).status, 200, 'the id may be used again');
  });

  it('deleting unknown users is 404 code 16; bad delete bodies are 400', async () => {
    const res = await raw(node(), 'POST', `${USERS}/delete`, { body: { user_ids: ['john', 'ghost'] } });
    assertApiError(res, 404, 16, { operation: 'DeleteUsers', mentions: 'ghost' });
    assert.equal((await byIds('john')).length, 1, 'john was not deleted with the failing batch');
    assertApiError(await raw(node(), 'POST', `${USERS}/delete`, { body: { user_ids: [] } }), 400, 4);
    const mode = { user_ids: ['john'], user: 'forever' };
    assertApiError(await raw(node(), 'POST', `${USERS}/delete`, { body: mode }), 400, 4, { field: 'user' });
  });
});
