/**
 * JoinCall and LeaveCall over raw HTTP (issue part 8, docs/api.md "Endpoints"): the response shape with credentials,
 * the join capability by call state (join-call, join-ended-call, join-backstage), grants changed at runtime, the
 * session rows and events, and refused joins writing nothing.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertApiError, DURATION, outbox, seedUsers, TIMESTAMP } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const ROOM = '/api/v2/video/call/default/room';

async function newEventTypes(t: TestNode, since: number): Promise<string[]> {
  return (await outbox(t)).slice(since).map((e) => e.type);
}

eachDatabase('http join and leave', (node) => {
  const as = async (userId: string) => ({ token: await node().userToken(userId) });
  const create = async (path: string, data: Json) => {
    const res = await raw(node(), 'POST', path, { body: { data } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  before(async () => {
    await seedUsers(node(), 'ann', 'ben', 'cat', 'dan');
    await create(ROOM, { created_by_id: 'ann', members: [{ user_id: 'ann', role: 'admin' }, { user_id: 'ben' }] });
  });

  it('a member joins: call, members, membership, credentials and stats_options; a session starts', async () => {
    const since = (await outbox(node())).length;
    const res = await raw(node(), 'POST', `${ROOM}/join`, { ...(await as('ben')), body: { location: 'AMS' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as Json;
    for (const key of [
      'call',
      'members',
      'own_capabilities',
      'created',
      'membership',
      'credentials',
      'stats_options',
    ]) {
      assert.ok(key in body, key);
    }
    assert.match(body.duration, DURATION);
    assert.equal(body.created, false);
    assert.equal(body.membership.user_id, 'ben');
    const { server, token, ice_servers } = body.credentials;
    assert.equal(typeof server.url, 'string');
    assert.match(server.ws_endpoint, /^wss?:\/\/.+\/sfu\/ws$/, "the embedded SFU's signaling socket");
    assert.equal(typeof server.edge_name, 'string');
    assert.deepEqual(ice_servers, []);
    assert.equal(typeof body.stats_options.enable_rtc_stats, 'boolean');
    assert.equal(typeof body.stats_options.reporting_interval_ms, 'number');

    const { call } = body;
    assert.notEqual(call.current_session_id, '');
    assert.equal(call.session.id, call.current_session_id);
    assert.match(call.session.started_at, TIMESTAMP);
    const [participant] = call.session.participants;
    assert.equal(participant.user.id, 'ben');
    assert.equal(participant.role, 'call_member');
    assert.match(participant.joined_at, TIMESTAMP);
    assert.equal(typeof participant.user_session_id, 'string');
    assert.deepEqual(call.session.participants_count_by_role, { call_member: 1 });
    assert.deepEqual(await newEventTypes(node(), since), ['call.session_started', 'call.session_participant_joined']);

    assert.equal((await raw(node(), 'GET', ROOM, { token })).status, 200, 'the participant token reads its call');
    await create('/api/v2/video/call/default/elsewhere', { created_by_id: 'ann' });
    const other = await raw(node(), 'GET', '/api/v2/video/call/default/elsewhere', { token });
    assertApiError(other, 403, 17, { operation: 'GetCall' });
  });

  it('a second joiner joins the same session; leaving ends it only when the last one leaves', async () => {
    const first = await raw(node(), 'GET', ROOM);
    const sessionId = (first.body.call as Json).current_session_id;
    let since = (await outbox(node())).length;
    const join = await raw(node(), 'POST', `${ROOM}/join`, { ...(await as('ann')), body: {} });
    assert.equal((join.body.call as Json).current_session_id, sessionId);
    assert.equal((join.body.call as Json).session.participants.length, 2);
    assert.deepEqual(await newEventTypes(node(), since), ['call.session_participant_joined']);

    since = (await outbox(node())).length;
    const leave = await raw(node(), 'POST', `${ROOM}/leave`, { ...(await as('ben')), body: {} });
    assert.equal(leave.status, 200);
    assert.deepEqual(Object.keys(leave.body), ['duration']);
    assert.deepEqual(await newEventTypes(node(), since), ['call.session_participant_left']);
    assert.equal(((await raw(node(), 'GET', ROOM)).body.call as Json).current_session_id, sessionId);

    since = (await outbox(node())).length;
    assert.equal((await raw(node(), 'POST', `${ROOM}/leave`, { body: { user_id: 'ann' } })).status, 200);
    assert.deepEqual(await newEventTypes(node(), since), ['call.session_participant_left', 'call.session_ended']);
    const after = (await raw(node(), 'GET', ROOM)).body.call as Json;
    assert.equal(after.current_session_id, '');
    assert.equal(after.session, undefined);
  });

  it('a user without join-call cannot join; after a runtime grants change a member can', async () => {
    const type = { name: 'locked', grants: { user: ['read-call'], call_member: ['read-call'] } };
    assert.equal((await raw(node(), 'POST', '/api/v2/video/calltypes', { body: type })).status, 201);
    const path = '/api/v2/video/call/locked/door';
    await create(path, { created_by_id: 'ann', members: [{ user_id: 'cat' }] });
    const since = (await outbox(node())).length;
    for (const user of ['cat', 'dan']) {
      const res = await raw(node(), 'POST', `${path}/join`, { ...(await as(user)), body: {} });
      assertApiError(res, 403, 17, { operation: 'JoinCall', mentions: 'join-call' });
    }
    assert.deepEqual(await newEventTypes(node(), since), []);
    assert.equal(((await raw(node(), 'GET', path)).body.call as Json).current_session_id, '');

    const grant = { grants: { call_member: ['read-call', 'join-call'] } };
    assert.equal((await raw(node(), 'PUT', '/api/v2/video/calltypes/locked', { body: grant })).status, 200);
    const member = await raw(node(), 'POST', `${path}/join`, { ...(await as('cat')), body: {} });
    assert.equal(member.status, 200, JSON.stringify(member.body));
    assert.ok((member.body.own_capabilities as string[]).includes('join-call'));
    assertApiError(await raw(node(), 'POST', `${path}/join`, { ...(await as('dan')), body: {} }), 403, 17);
  });

  it('an ended call needs join-ended-call: a plain member is refused, an admin member joins', async () => {
    const path = '/api/v2/video/call/default/over';
    await create(path, { created_by_id: 'ann', members: [{ user_id: 'ann', role: 'admin' }, { user_id: 'ben' }] });
    assert.equal((await raw(node(), 'POST', `${path}/mark_ended`, { body: {} })).status, 200);
    const ben = await raw(node(), 'POST', `${path}/join`, { ...(await as('ben')), body: {} });
    assertApiError(ben, 403, 17, { mentions: 'join-ended-call' });
    const ann = await raw(node(), 'POST', `${path}/join`, { ...(await as('ann')), body: {} });
    assert.equal(ann.status, 200, JSON.stringify(ann.body));
  });

  it('a call in backstage needs join-backstage: viewers wait, hosts join', async () => {
    const path = '/api/v2/video/call/livestream/stage';
    await create(path, { created_by_id: 'ann', members: [{ user_id: 'ann', role: 'host' }] });
    assertApiError(await raw(node(), 'POST', `${path}/join`, { ...(await as('dan')), body: {} }), 403, 17, {
      mentions: 'join-backstage',
    });
    assert.equal((await raw(node(), 'POST', `${path}/join`, { ...(await as('ann')), body: {} })).status, 200);
  });

  it('a server-side join must name an existing user; refused joins record nothing', async () => {
    const since = (await outbox(node())).length;
    assertApiError(await raw(node(), 'POST', `${ROOM}/join`, { body: {} }), 400, 4, { field: 'user_id' });
    const ghost = await raw(node(), 'POST', `${ROOM}/join`, { body: { user_id: 'ghost' } });
    assertApiError(ghost, 400, 4, { field: 'user_id', mentions: 'ghost' });
    const bad = await raw(node(), 'POST', `${ROOM}/join`, { body: { user_id: 'dan', create: 'yes' } });
    assertApiError(bad, 400, 4, { field: 'create' });
    assertApiError(
      await raw(node(), 'POST', '/api/v2/video/call/default/nowhere/join', { body: { user_id: 'dan' } }),
      404,
      16,
    );
    assert.deepEqual(await newEventTypes(node(), since), []);
    assert.equal(((await raw(node(), 'GET', ROOM)).body.call as Json).current_session_id, '');
  });

  it('join with create: true creates the call first (as the joining user for server tokens)', async () => {
    const byUser = await raw(node(), 'POST', '/api/v2/video/call/default/fresh/join', {
      ...(await as('cat')),
      body: { create: true, data: { custom: { topic: 'x' } } },
    });
    assert.equal(byUser.status, 200, JSON.stringify(byUser.body));
    assert.equal(byUser.body.created, true);
    assert.equal((byUser.body.call as Json).created_by.id, 'cat');
    assert.deepEqual((byUser.body.call as Json).custom, { topic: 'x' });
    const again = await raw(node(), 'POST', '/api/v2/video/call/default/fresh/join', {
      ...(await as('dan')),
      body: { create: true },
    });
    assert.equal(again.body.created, false);

    const byServer = await raw(node(), 'POST', '/api/v2/video/call/default/served/join', {
      body: { create: true, user_id: 'dan' },
    });
    assert.equal(byServer.status, 200, JSON.stringify(byServer.body));
    assert.equal(byServer.body.created, true);
    assert.equal((byServer.body.call as Json).created_by.id, 'dan');
  });
});
