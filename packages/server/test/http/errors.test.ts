/**
 * Bad input over raw HTTP (issue part 11): every case answers the API error JSON with the matching 4xx and names
 * the field; never a 500; a refused request writes nothing (no call, no member, no outbox event).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertApiError, outbox, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

const CALL = '/api/v2/video/call/default';

eachDatabase('http errors', (node) => {
  before(async () => {
    await seedUsers(node(), 'alice', 'bob');
    const res = await raw(node(), 'POST', `${CALL}/existing`, { body: { data: { created_by_id: 'alice' } } });
    assert.equal(res.status, 200);
  });

  const create = (id: string, body: unknown, headers?: Record<string, string>) =>
    raw(node(), 'POST', `${CALL}/${id}`, { body, ...(headers ? { headers } : {}) });

  it('malformed JSON is an input error, not a 500', async () => {
    for (const text of ['{"data":', '{data: 1}', "{'a':1}", '[1,']) {
      const res = await create('malformed', text);
      assertApiError(res, 400, 4, { operation: 'GetOrCreateCall', field: 'body' });
    }
    assertApiError(await raw(node(), 'GET', `${CALL}/malformed`), 404, 16);
  });

  it('a body that is JSON but not an object is an input error', async () => {
    for (const text of ['[]', '"text"', '42', 'null', 'true']) {
      assertApiError(await create('not-object', text), 400, 4, { operation: 'GetOrCreateCall' });
    }
  });

  it('an empty or absent body on a POST means {}', async () => {
    const empty = await raw(node(), 'POST', `${CALL}/existing`, { body: '' });
    assert.equal(empty.status, 200);
    assert.equal(empty.body.created, false);
    const absent = await raw(node(), 'POST', `${CALL}/existing`);
    assert.equal(absent.status, 200, JSON.stringify(absent.body));
    assert.equal(absent.body.created, false);
  });

  it('unsupported content type and oversized bodies are 4xx API errors', async () => {
    const text = await create('ctype', 'hello', { 'content-type': 'text/plain' });
    assert.ok(text.status >= 400 && text.status < 500, `status ${text.status}`);
    assertApiError(text, text.status, 4);
    const big = JSON.stringify({ data: { created_by_id: 'alice', custom: { blob: 'x'.repeat(2 * 1024 * 1024) } } });
    assertApiError(await create('big', big), 413, 4);
  });

  it('wrong types are refused with the field named (no coercion of bodies)', async () => {
    const cases: [unknown, string][] = [
      [{ ring: 'yes' }, 'ring'],
      [{ members_limit: '5' }, 'members_limit'],
      [{ data: { created_by_id: 'alice', video: 'true' } }, 'data.video'],
      [{ data: { created_by_id: 'alice', custom: 'blue' } }, 'data.custom'],
      [{ data: { created_by_id: 'alice', members: { user_id: 'bob' } } }, 'data.members'],
      [{ data: { created_by_id: 42 } }, 'data.created_by_id'],
      [
        { data: { created_by_id: 'alice', settings_override: { audio: { mic_default_on: 'yes' } } } },
        'data.settings_override.audio.mic_default_on',
      ],
      [
        { data: { created_by_id: 'alice', settings_override: { ring: { auto_cancel_timeout_ms: '1000' } } } },
        'data.settings_override.ring.auto_cancel_timeout_ms',
      ],
      [{ data: { created_by_id: 'alice', starts_at: 'tomorrow' } }, 'data.starts_at'],
    ];
    for (const [body, field] of cases) {
      assertApiError(await create('wrong-types', body), 400, 4, { field, operation: 'GetOrCreateCall' });
    }
    const patch = await raw(node(), 'PATCH', `${CALL}/existing`, { body: { custom: ['not', 'an', 'object'] } });
    assertApiError(patch, 400, 4, { field: 'custom', operation: 'UpdateCall' });
    assertApiError(await raw(node(), 'GET', `${CALL}/wrong-types`), 404, 16);
  });

  it('out-of-range values are refused', async () => {
    assertApiError(await create('range', { members_limit: 101 }), 400, 4, { field: 'members_limit' });
    assertApiError(await create('range', { members_limit: -1 }), 400, 4, { field: 'members_limit' });
    assertApiError(await create('range', { members_limit: 2.5 }), 400, 4, { field: 'members_limit' });
    const get = await raw(node(), 'GET', `${CALL}/existing`, { query: { members_limit: '101' } });
    assertApiError(get, 400, 4, { field: 'members_limit', operation: 'GetCall' });
    const notNumber = await raw(node(), 'GET', `${CALL}/existing`, { query: { members_limit: 'many' } });
    assertApiError(notNumber, 400, 4, { field: 'members_limit' });
    const width = { video: { target_resolution: { width: 0 } } };
    const res = await raw(node(), 'PATCH', `${CALL}/existing`, { body: { settings_override: width } });
    assertApiError(res, 400, 4, { field: 'settings_override.video.target_resolution.width' });
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ user_id: `u${i}` }));
    const members = await raw(node(), 'POST', `${CALL}/existing/members`, { body: { update_members: tooMany } });
    assertApiError(members, 400, 4, { field: 'update_members', operation: 'UpdateCallMembers' });
  });

  it('values outside an enum are refused, naming the allowed values', async () => {
    const loud = { audio: { default_device: 'loud' } };
    const res = await create('enum', { data: { created_by_id: 'alice', settings_override: loud } });
    assertApiError(res, 400, 4, { field: 'data.settings_override.audio.default_device', mentions: 'speaker' });
    const patch = await raw(node(), 'PATCH', `${CALL}/existing`, { body: { settings_override: loud } });
    assertApiError(patch, 400, 4, { field: 'settings_override.audio.default_device', operation: 'UpdateCall' });
    const facing = { settings_override: { video: { camera_facing: 'sideways' } } };
    const video = await raw(node(), 'PATCH', `${CALL}/existing`, { body: facing });
    assertApiError(video, 400, 4, { field: 'settings_override.video.camera_facing' });
    const get = await raw(node(), 'GET', `${CALL}/existing`);
    assert.equal(
      (get.body.call as { settings: { audio: { default_device: string } } }).settings.audio.default_device,
      'speaker',
    );
  });

  it('bad call ids and call type names are refused before any lookup', async () => {
    for (const id of ['x'.repeat(65), 'a%20b', 'a.b', 'caf%C3%A9', 'a%3Ab']) {
      assertApiError(await create(id, { data: { created_by_id: 'alice' } }), 400, 4, { field: 'id' });
      assertApiError(await raw(node(), 'GET', `${CALL}/${id}`), 400, 4, { field: 'id', operation: 'GetCall' });
    }
    assert.equal((await create('x'.repeat(64), { data: { created_by_id: 'alice' } })).status, 200);
    for (const type of ['Default', 'my%20type', 'x'.repeat(65)]) {
      const res = await raw(node(), 'POST', `/api/v2/video/call/${type}/ok`, { body: {} });
      assertApiError(res, 400, 4, { field: 'type' });
    }
  });

  it('an unknown call type is 404 code 16', async () => {
    const res = await raw(node(), 'POST', '/api/v2/video/call/nope/x', { body: { data: { created_by_id: 'alice' } } });
    assertApiError(res, 404, 16, { operation: 'GetOrCreateCall', mentions: 'nope' });
    assertApiError(await raw(node(), 'GET', '/api/v2/video/call/nope/x'), 404, 16);
  });

  it('an unknown call is 404 code 16 for every call operation', async () => {
    const missing = `${CALL}/missing`;
    assertApiError(await raw(node(), 'GET', missing), 404, 16, { operation: 'GetCall', mentions: 'default:missing' });
    assertApiError(await raw(node(), 'PATCH', missing, { body: { custom: {} } }), 404, 16, { operation: 'UpdateCall' });
    const members = await raw(node(), 'POST', `${missing}/members`, { body: { update_members: [{ user_id: 'bob' }] } });
    assertApiError(members, 404, 16, { operation: 'UpdateCallMembers' });
    assertApiError(await raw(node(), 'POST', `${missing}/mark_ended`, { body: {} }), 404, 16, { operation: 'EndCall' });
    assertApiError(await raw(node(), 'POST', `${missing}/delete`, { body: {} }), 404, 16, { operation: 'DeleteCall' });
  });

  it('an unknown member user is an input error naming the member, and nothing is written', async () => {
    const eventsBefore = (await outbox(node())).length;
    const first = await create('ghosts', { data: { created_by_id: 'alice', members: [{ user_id: 'ghost' }] } });
    assertApiError(first, 400, 4, { field: 'data.members[0].user_id', mentions: 'ghost' });
    const mixed = { data: { created_by_id: 'alice', members: [{ user_id: 'bob' }, { user_id: 'ghost' }] } };
    assertApiError(await create('ghosts', mixed), 400, 4, { field: 'data.members[1].user_id' });
    assertApiError(await raw(node(), 'GET', `${CALL}/ghosts`), 404, 16);

    const update = { update_members: [{ user_id: 'bob' }, { user_id: 'ghost' }] };
    const res = await raw(node(), 'POST', `${CALL}/existing/members`, { body: update });
    assertApiError(res, 400, 4, { field: 'update_members[1].user_id', operation: 'UpdateCallMembers' });
    const alone = await raw(node(), 'POST', `${CALL}/existing/members`, {
      body: { update_members: [{ user_id: 'nobody' }] },
    });
    assertApiError(alone, 400, 4, { field: 'update_members[0].user_id' });
    const get = await raw(node(), 'GET', `${CALL}/existing`);
    assert.deepEqual(get.body.members, []);
    assert.equal((await outbox(node())).length, eventsBefore);
  });

  it('an unknown creator is an input error; a server token must name the creator', async () => {
    const unknown = await create('no-creator', { data: { created_by_id: 'ghost' } });
    assertApiError(unknown, 400, 4, { field: 'data.created_by_id', mentions: 'ghost' });
    assertApiError(await create('no-creator', { data: {} }), 400, 4, { field: 'data.created_by_id' });
    assertApiError(await create('no-creator', {}), 400, 4, { field: 'data.created_by_id' });
    assertApiError(await raw(node(), 'GET', `${CALL}/no-creator`), 404, 16);
  });

  it('a user both updated and removed in one request is refused', async () => {
    const body = { update_members: [{ user_id: 'bob' }], remove_members: ['bob'] };
    const res = await raw(node(), 'POST', `${CALL}/existing/members`, { body });
    assertApiError(res, 400, 4, { field: 'update_members[0].user_id' });
  });

  it('strings holding U+0000 are refused on every database (PostgreSQL text cannot store them)', async () => {
    const note = await create('nul', { data: { created_by_id: 'alice', custom: { note: 'a\u0000b' } } });
    assertApiError(note, 400, 4, { field: 'data.custom.note', operation: 'GetOrCreateCall' });
    assertApiError(await create('nul', { data: { created_by_id: 'alice', custom: { 'k\u0000': 1 } } }), 400, 4);
    const user = await raw(node(), 'POST', '/api/v2/users', { body: { users: { z: { id: 'z', name: '\u0000' } } } });
    assertApiError(user, 400, 4, { field: 'users.z.name', operation: 'UpsertUsers' });
    assertApiError(await raw(node(), 'GET', `${CALL}/nul`), 404, 16);
    const text = await create('nul', { data: { created_by_id: 'alice', custom: { note: '\\u0000' } } });
    assert.equal(text.status, 200, 'a backslash followed by u0000 is only text');
  });

  it('unknown JSON fields are ignored, at the top and nested', async () => {
    const body = {
      location: 'AMS',
      watch: true,
      presence: true,
      data: { created_by_id: 'alice', colour: 'blue', members: [{ user_id: 'bob', flair: 1 }] },
    };
    const res = await create('lenient', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.created, true);
    assert.equal((res.body.members as unknown[]).length, 1);
    const patch = await raw(node(), 'PATCH', `${CALL}/lenient`, { body: { custom: { a: 1 }, whatever: [1] } });
    assert.equal(patch.status, 200);
  });

  it('an unknown route is a 404 API error', async () => {
    assertApiError(await raw(node(), 'GET', '/api/v2/video/nothing-here'), 404, 16);
    assertApiError(await raw(node(), 'DELETE', `${CALL}/existing`), 404, 16);
    assertApiError(await raw(node(), 'POST', '/nowhere', { body: {} }), 404, 16);
  });

  it('a soft-deleted call id cannot be get-or-created until hard-deleted', async () => {
    assert.equal((await create('soft-gone', { data: { created_by_id: 'alice' } })).status, 200);
    assert.equal((await raw(node(), 'POST', `${CALL}/soft-gone/delete`, { body: {} })).status, 200);
    assertApiError(await create('soft-gone', { data: { created_by_id: 'alice' } }), 400, 4, { field: 'id' });
    assert.equal((await raw(node(), 'POST', `${CALL}/soft-gone/delete`, { body: { hard: true } })).status, 200);
    assert.equal((await create('soft-gone', { data: { created_by_id: 'alice' } })).body.created, true);
  });
});
