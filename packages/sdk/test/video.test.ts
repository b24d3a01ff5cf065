import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CallHandle, SwitchboardClient } from '../src/index.js';
import { type FakeServer, json, startFakeServer } from './fake-server.js';

let fake: FakeServer;
let client: SwitchboardClient;

before(async () => {
  fake = await startFakeServer();
  client = new SwitchboardClient('app-key', 'video-test-secret', { baseUrl: fake.baseUrl });
});
after(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.reply = json(200, { duration: '0.01ms' });
});

function assertRequest(method: string, pathname: string, body?: unknown): void {
  const req = fake.last();
  assert.equal(req.method, method);
  assert.equal(req.rawPath, pathname);
  assert.equal(req.query.get('api_key'), 'app-key');
  assert.deepEqual(req.body, body);
}

describe('call types', () => {
  it('list / get / create / update / delete', async () => {
    await client.video.listCallTypes();
    assertRequest('GET', '/api/v2/video/calltypes', undefined);
    await client.video.getCallType('webinar');
    assertRequest('GET', '/api/v2/video/calltypes/webinar', undefined);
    await client.video.createCallType({ name: 'webinar', grants: { user: ['read-call'] } });
    assertRequest('POST', '/api/v2/video/calltypes', { name: 'webinar', grants: { user: ['read-call'] } });
    await client.video.updateCallType('webinar', { settings: { video: { enabled: false } } });
    assertRequest('PUT', '/api/v2/video/calltypes/webinar', { settings: { video: { enabled: false } } });
    await client.video.deleteCallType('webinar');
    assertRequest('DELETE', '/api/v2/video/calltypes/webinar', undefined);
  });

  it('accepts the object form of the reference page: updateCallType({ name, ... }), getCallType({ name })', async () => {
    await client.video.updateCallType({ name: 'default', grants: { user: ['read-call'] } });
    assertRequest('PUT', '/api/v2/video/calltypes/default', { grants: { user: ['read-call'] } });
    await client.video.getCallType({ name: 'livestream' });
    assertRequest('GET', '/api/v2/video/calltypes/livestream', undefined);
    await client.video.deleteCallType({ name: 'webinar' });
    assertRequest('DELETE', '/api/v2/video/calltypes/webinar', undefined);
  });

  it('refuses updateCallType without a usable name, with a message saying both forms, and sends nothing', async () => {
    const misuse = client.video.updateCallType as unknown as (...args: unknown[]) => Promise<unknown>;
    for (const args of [[{ grants: {} }], [undefined, { grants: {} }], [{ name: 42 }]]) {
      await assert.rejects(misuse.apply(client.video, args), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /updateCallType\('default', \.\.\.\) or updateCallType\(\{ name \}\)/);
        return true;
      });
    }
    assert.equal(fake.requests.length, 0);
  });

  it('rejects a path-collapsing name without sending', async () => {
    await assert.rejects(client.video.getCallType('..'), TypeError);
    assert.equal(fake.requests.length, 0);
  });
});

describe('queries', () => {
  it('queryCalls POSTs /video/calls with {} by default and passes connection_id as a query', async () => {
    await client.video.queryCalls();
    assertRequest('POST', '/api/v2/video/calls', {});
    await client.video.queryCalls({ limit: 5, watch: true }, { connection_id: 'c1' });
    assertRequest('POST', '/api/v2/video/calls', { limit: 5, watch: true });
    assert.equal(fake.last().query.get('connection_id'), 'c1');
  });

  it('queryCallMembers and call.queryMembers POST /video/call/members with type and id', async () => {
    await client.video.queryCallMembers({ type: 'default', id: 'x', limit: 3 });
    assertRequest('POST', '/api/v2/video/call/members', { type: 'default', id: 'x', limit: 3 });
    await client.video.call('default', 'y').queryMembers({ filter_conditions: { role: 'host' } });
    assertRequest('POST', '/api/v2/video/call/members', {
      filter_conditions: { role: 'host' },
      type: 'default',
      id: 'y',
    });
  });
});

describe('call handle', () => {
  it('has type, id and cid', () => {
    const call = client.video.call('default', 'standup');
    assert.ok(call instanceof CallHandle);
    assert.equal(call.type, 'default');
    assert.equal(call.id, 'standup');
    assert.equal(call.cid, 'default:standup');
  });

  it('getOrCreate and create POST the GetOrCreateCallRequest body', async () => {
    const call = client.video.call('default', 'standup');
    const body = { data: { created_by_id: 'alice', members: [{ user_id: 'bob', role: 'host' }] }, ring: true };
    await call.getOrCreate(body);
    assertRequest('POST', '/api/v2/video/call/default/standup', body);
    await call.create();
    assertRequest('POST', '/api/v2/video/call/default/standup', {});
  });

  it('get sends its options as query parameters', async () => {
    await client.video.call('default', 'standup').get({ members_limit: 10, ring: false, connection_id: 'c9' });
    const req = fake.last();
    assertRequest('GET', '/api/v2/video/call/default/standup', undefined);
    assert.equal(req.query.get('members_limit'), '10');
    assert.equal(req.query.get('ring'), 'false');
    assert.equal(req.query.get('connection_id'), 'c9');
    assert.equal(req.query.has('video'), false);
  });

  it('every call method hits its method and path', async () => {
    const call = client.video.call('default', 'standup');
    const base = '/api/v2/video/call/default/standup';
    const cases: Array<[() => Promise<unknown>, string, string, unknown]> = [
      [() => call.update({ custom: { a: 1 } }), 'PATCH', base, { custom: { a: 1 } }],
      [
        () => call.updateCallMembers({ remove_members: ['bob'] }),
        'POST',
        `${base}/members`,
        { remove_members: ['bob'] },
      ],
      [() => call.endCall(), 'POST', `${base}/mark_ended`, {}],
      [() => call.delete({ hard: true }), 'POST', `${base}/delete`, { hard: true }],
      [() => call.join({ create: true }), 'POST', `${base}/join`, { create: true }],
      [() => call.leave(), 'POST', `${base}/leave`, {}],
      [() => call.ring({ members_ids: ['bob'] }), 'POST', `${base}/ring`, { members_ids: ['bob'] }],
      [() => call.accept(), 'POST', `${base}/accept`, {}],
      [() => call.reject({ reason: 'busy' }), 'POST', `${base}/reject`, { reason: 'busy' }],
      [() => call.sendCustomEvent({ custom: { k: 'v' } }), 'POST', `${base}/event`, { custom: { k: 'v' } }],
      [
        () => call.pinVideo({ session_id: 's', user_id: 'u' }),
        'POST',
        `${base}/pin`,
        { session_id: 's', user_id: 'u' },
      ],
      [
        () => call.unpinVideo({ session_id: 's', user_id: 'u' }),
        'POST',
        `${base}/unpin`,
        { session_id: 's', user_id: 'u' },
      ],
      [() => call.blockUser({ user_id: 'eve' }), 'POST', `${base}/block`, { user_id: 'eve' }],
      [() => call.unblockUser({ user_id: 'eve' }), 'POST', `${base}/unblock`, { user_id: 'eve' }],
      [() => call.goLive(), 'POST', `${base}/go_live`, {}],
      [() => call.stopLive(), 'POST', `${base}/stop_live`, {}],
    ];
    for (const [send, method, pathname, body] of cases) {
      await send();
      assertRequest(method, pathname, body);
    }
  });

  it('sendCustomEvent takes the bare payload (as client-side) or the wire body { custom, user_id }', async () => {
    const call = client.video.call('default', 'draw');
    await call.sendCustomEvent({ type: 'draw', x: 10, y: 30 });
    assertRequest('POST', '/api/v2/video/call/default/draw/event', { custom: { type: 'draw', x: 10, y: 30 } });
    await call.sendCustomEvent({ custom: { type: 'draw' }, user_id: 'ann' });
    assertRequest('POST', '/api/v2/video/call/default/draw/event', { custom: { type: 'draw' }, user_id: 'ann' });
    await call.sendCustomEvent({ custom: 'text', other: 1 });
    assertRequest('POST', '/api/v2/video/call/default/draw/event', { custom: { custom: 'text', other: 1 } });
  });

  it('client.call(type, id) is the same handle as client.video.call(type, id)', async () => {
    const call = client.call('default', 'test-outgoing-call');
    assert.ok(call instanceof CallHandle);
    assert.equal(call.cid, 'default:test-outgoing-call');
    await call.getOrCreate({ ring: true });
    assertRequest('POST', '/api/v2/video/call/default/test-outgoing-call', { ring: true });
  });

  it('URL-encodes path segments', async () => {
    await client.video.call('my type', 'a/b?c').get();
    assert.equal(fake.last().rawPath, '/api/v2/video/call/my%20type/a%2Fb%3Fc');
    assert.equal(fake.last().query.get('api_key'), 'app-key');
  });

  it('refuses empty or dot segments when the handle is made', () => {
    assert.throws(() => client.video.call('default', ''), TypeError);
    assert.throws(() => client.video.call('.', 'x'), TypeError);
  });
});
