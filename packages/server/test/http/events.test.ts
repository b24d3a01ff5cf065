/**
 * Events in the outbox (issue part 9, docs/api.md "Events"): each state change over raw HTTP commits its typed events
 * with the change, each carrying `type`, `created_at`, `call_cid` and the full `call`; reads and refused requests
 * write none.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Call } from '@switchboard/protocol';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { assertApiError, type OutboxEntry, outbox, seedUsers, TIMESTAMP } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const ajv = new AjvModule.default({ strict: false });
addFormatsModule.default(ajv, ['date-time']);
const callSchema = ajv.compile(Call);
const isCall = (value: unknown): boolean => callSchema(value);

const PATH = '/api/v2/video/call/default/evented';

/** Runs `action` and returns the outbox rows it added, checking the envelope every event must carry. */
async function eventsOf(t: TestNode, action: () => Promise<unknown>): Promise<OutboxEntry[]> {
  const before = (await outbox(t)).length;
  await action();
  const added = (await outbox(t)).slice(before);
  for (const { type, cid, event } of added) {
    assert.equal(event.type, type, 'the row type is the event type');
    assert.equal(event.call_cid, cid, 'the row cid is the event call_cid');
    assert.match(event.created_at, TIMESTAMP);
    assert.ok(isCall(event.call), `${type}: ${JSON.stringify(callSchema.errors)}`);
    assert.equal(event.call.cid, event.call_cid);
  }
  return added;
}

const types = (entries: OutboxEntry[]) => entries.map((e) => e.type);
const memberIds = (entry: OutboxEntry | undefined) => (entry?.event.members as Json[]).map((m) => m.user_id).sort();

eachDatabase('http events in the outbox', (node) => {
  const ok = async (method: string, path: string, body?: unknown, token?: string) => {
    const withBody = method === 'GET' ? {} : { body: body ?? {} };
    const res = await raw(node(), method, path, { ...withBody, ...(token ? { token } : {}) });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  before(async () => {
    await seedUsers(node(), 'ann', 'ben', 'cat', 'dan');
  });

  it('create writes one call.created with the call and its initial members', async () => {
    const body = { data: { created_by_id: 'ann', members: [{ user_id: 'ann', role: 'admin' }, { user_id: 'ben' }] } };
    const added = await eventsOf(node(), () => ok('POST', PATH, body));
    assert.deepEqual(types(added), ['call.created']);
    const [created] = added;
    assert.equal(created?.cid, 'default:evented');
    assert.equal(created?.event.call.created_by.id, 'ann');
    assert.deepEqual(memberIds(created), ['ann', 'ben']);
    assert.equal(created?.event.created_at, created?.event.call.created_at);
  });

  it('reads and get-or-create of an existing call write nothing', async () => {
    const added = await eventsOf(node(), async () => {
      await ok('POST', PATH, { data: { created_by_id: 'ben', custom: { x: 1 } } });
      await ok('GET', PATH);
      await ok('GET', '/api/v2/video/calltypes');
    });
    assert.deepEqual(added, []);
  });

  it('update writes call.updated carrying the updated call and capabilities_by_role', async () => {
    const added = await eventsOf(node(), () => ok('PATCH', PATH, { custom: { color: 'red' } }));
    assert.deepEqual(types(added), ['call.updated']);
    const event = added[0]?.event as Json;
    assert.deepEqual(event.call.custom, { color: 'red' });
    assert.equal(event.created_at, event.call.updated_at);
    assert.ok(event.capabilities_by_role.call_member.includes('update-call'));
  });

  it('adding members writes call.member_added with the new members', async () => {
    const added = await eventsOf(node(), () => ok('POST', `${PATH}/members`, { update_members: [{ user_id: 'cat' }] }));
    assert.deepEqual(types(added), ['call.member_added']);
    assert.deepEqual(memberIds(added[0]), ['cat']);
    assert.equal((added[0]?.event.members as Json[])[0].user.id, 'cat');
  });

  it('updating a member writes call.member_updated; a role change also member_updated_permission and permissions_updated', async () => {
    const custom = await eventsOf(node(), () =>
      ok('POST', `${PATH}/members`, { update_members: [{ user_id: 'cat', custom: { seat: 3 } }] }),
    );
    assert.deepEqual(types(custom), ['call.member_updated']);
    assert.deepEqual((custom[0]?.event.members as Json[])[0].custom, { seat: 3 });

    const role = await eventsOf(node(), () =>
      ok('POST', `${PATH}/members`, { update_members: [{ user_id: 'ben', role: 'host' }] }),
    );
    assert.deepEqual(types(role), [
      'call.member_updated',
      'call.member_updated_permission',
      'call.permissions_updated',
    ]);
    const permission = role[1]?.event as Json;
    assert.deepEqual(memberIds(role[1]), ['ben']);
    assert.equal(permission.members[0].role, 'host');
    assert.ok(permission.capabilities_by_role.host.includes('end-call'));
    // The member's own view: as a host on the default type it may now end the call.
    const own = role[2]?.event as Json;
    assert.equal(own.user.id, 'ben');
    assert.ok(own.own_capabilities.includes('end-call'));
  });

  it('removing members writes call.member_removed with their ids; removing a non-member writes nothing', async () => {
    const removed = await eventsOf(node(), () => ok('POST', `${PATH}/members`, { remove_members: ['cat'] }));
    assert.deepEqual(types(removed), ['call.member_removed']);
    assert.deepEqual(removed[0]?.event.members, ['cat']);
    const none = await eventsOf(node(), () => ok('POST', `${PATH}/members`, { remove_members: ['dan'] }));
    assert.deepEqual(none, []);
  });

  it('one members request with adds and removals writes its events together', async () => {
    const body = { update_members: [{ user_id: 'dan' }], remove_members: ['ben'] };
    const added = await eventsOf(node(), () => ok('POST', `${PATH}/members`, body));
    assert.deepEqual(types(added), ['call.member_added', 'call.member_removed']);
    assert.deepEqual(memberIds(added[0]), ['dan']);
    assert.deepEqual(added[1]?.event.members, ['ben']);
  });

  it('refused requests write no event', async () => {
    const token = await node().userToken('cat');
    const added = await eventsOf(node(), async () => {
      assertApiError(await raw(node(), 'PATCH', PATH, { token, body: { custom: {} } }), 403, 17);
      assertApiError(await raw(node(), 'POST', `${PATH}/mark_ended`, { token, body: {} }), 403, 17);
      const ghost = { update_members: [{ user_id: 'cat' }, { user_id: 'ghost' }] };
      assertApiError(await raw(node(), 'POST', `${PATH}/members`, { body: ghost }), 400, 4);
      const bad = { settings_override: { audio: { default_device: 'loud' } } };
      assertApiError(await raw(node(), 'PATCH', PATH, { body: bad }), 400, 4);
      const create = { data: { created_by_id: 'ann', members: [{ user_id: 'ann' }, { user_id: 'ghost' }] } };
      assertApiError(await raw(node(), 'POST', '/api/v2/video/call/default/never', { body: create }), 400, 4);
      assertApiError(await raw(node(), 'POST', '/api/v2/video/call/default/never/delete', { body: {} }), 404, 16);
    });
    assert.deepEqual(added, []);
    assertApiError(await raw(node(), 'GET', '/api/v2/video/call/default/never'), 404, 16);
  });

  it('ending writes call.ended with ended_at set, once', async () => {
    const token = await node().userToken('ann');
    const added = await eventsOf(node(), () => ok('POST', `${PATH}/mark_ended`, {}, token));
    assert.deepEqual(types(added), ['call.ended']);
    const event = added[0]?.event as Json;
    assert.match(event.call.ended_at, TIMESTAMP);
    assert.equal(event.user?.id, 'ann', 'a user ending the call is named');
    assert.deepEqual(await eventsOf(node(), () => ok('POST', `${PATH}/mark_ended`)), []);
  });

  it('deleting writes call.deleted, soft and hard', async () => {
    const soft = await eventsOf(node(), () => ok('POST', `${PATH}/delete`, {}));
    assert.deepEqual(types(soft), ['call.deleted']);
    assert.equal(soft[0]?.event.call.cid, 'default:evented');
    const hardAfterSoft = await eventsOf(node(), () => ok('POST', `${PATH}/delete`, { hard: true }));
    assert.deepEqual(types(hardAfterSoft), ['call.deleted'], 'purging the rows is a change too');

    const other = '/api/v2/video/call/default/evented-hard';
    await ok('POST', other, { data: { created_by_id: 'ann' } });
    const hard = await eventsOf(node(), () => ok('POST', `${other}/delete`, { hard: true }));
    assert.deepEqual(types(hard), ['call.deleted']);
  });
});
