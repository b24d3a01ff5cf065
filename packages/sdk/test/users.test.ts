import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { SwitchboardClient } from '../src/index.js';
import { type FakeServer, json, startFakeServer } from './fake-server.js';

const SECRET = 'users-test-secret';
let fake: FakeServer;
let client: SwitchboardClient;

before(async () => {
  fake = await startFakeServer();
  client = new SwitchboardClient('app-key', SECRET, { baseUrl: `${fake.baseUrl}/` });
});
after(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.reply = json(200, { duration: '0.01ms' });
});

describe('every request', () => {
  it('sends api_key, the raw server JWT and stream-auth-type', async () => {
    await client.queryUsers();
    const req = fake.last();
    assert.equal(req.query.get('api_key'), 'app-key');
    assert.equal(req.headers['stream-auth-type'], 'jwt');
    assert.equal(req.headers['content-type'], 'application/json');
    const auth = req.headers.authorization ?? '';
    assert.doesNotMatch(auth, /^Bearer /);
    const { payload } = await jwtVerify(auth, new TextEncoder().encode(SECRET));
    assert.equal(payload.server, true);
  });

  it('reuses one server token across requests', async () => {
    await client.queryUsers();
    await client.video.listCallTypes();
    const [a, b] = fake.requests;
    assert.ok(a && b);
    assert.equal(a.headers.authorization, b.headers.authorization);
  });

  it('resolves with the parsed response body', async () => {
    const users = { alice: { id: 'alice', role: 'user' } };
    fake.reply = json(201, { users, duration: '1ms' });
    const res = await client.upsertUsers([{ id: 'alice' }]);
    assert.deepEqual(res, { users, duration: '1ms' });
  });
});

describe('users', () => {
  it('upsertUsers POSTs /api/v2/users with the list turned into a map by id', async () => {
    await client.upsertUsers([
      { id: 'alice', name: 'Alice', role: 'admin' },
      { id: 'bob', custom: { color: 'red' } },
    ]);
    const req = fake.last();
    assert.equal(req.method, 'POST');
    assert.equal(req.pathname, '/api/v2/users');
    assert.deepEqual(req.body, {
      users: {
        alice: { id: 'alice', name: 'Alice', role: 'admin' },
        bob: { id: 'bob', custom: { color: 'red' } },
      },
    });
  });

  it('upsertUsers keeps users whose ids are Object.prototype names, and the last entry of a repeated id', async () => {
    const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    await client.upsertUsers([...ids.map((id) => ({ id, name: 'first' })), { id: '__proto__', name: 'last' }]);
    const sent = (fake.last().body as { users: Record<string, { id: string; name: string }> }).users;
    assert.deepEqual(Object.keys(sent), ids);
    assert.deepEqual(
      ids.map((id) => [sent[id]?.id, sent[id]?.name]),
      [
        ['__proto__', 'last'],
        ['constructor', 'first'],
        ['toString', 'first'],
        ['hasOwnProperty', 'first'],
      ],
    );
  });

  it('updateUsersPartial PATCHes /api/v2/users', async () => {
    const body = { users: [{ id: 'alice', set: { name: 'Al' }, unset: ['image' as const] }] };
    await client.updateUsersPartial(body);
    const req = fake.last();
    assert.equal(req.method, 'PATCH');
    assert.equal(req.pathname, '/api/v2/users');
    assert.deepEqual(req.body, body);
  });

  it('queryUsers GETs /api/v2/users with the JSON payload query parameter and no body', async () => {
    const payload = {
      filter_conditions: { id: { $in: ['alice', 'bob'] } },
      sort: [{ field: 'id', direction: 1 as const }],
      limit: 2,
    };
    await client.queryUsers(payload);
    const req = fake.last();
    assert.equal(req.method, 'GET');
    assert.equal(req.pathname, '/api/v2/users');
    assert.equal(req.rawBody, '');
    assert.deepEqual(JSON.parse(req.query.get('payload') ?? ''), payload);
    assert.equal(req.query.get('api_key'), 'app-key');
  });

  it('queryUsers without arguments sends empty filter_conditions', async () => {
    await client.queryUsers();
    assert.deepEqual(JSON.parse(fake.last().query.get('payload') ?? ''), { filter_conditions: {} });
  });

  it('deleteUsers POSTs /api/v2/users/delete', async () => {
    await client.deleteUsers({ user_ids: ['alice'], user: 'hard' });
    const req = fake.last();
    assert.equal(req.method, 'POST');
    assert.equal(req.pathname, '/api/v2/users/delete');
    assert.deepEqual(req.body, { user_ids: ['alice'], user: 'hard' });
  });
});
