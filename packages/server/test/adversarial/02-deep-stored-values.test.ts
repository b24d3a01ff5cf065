/**
 * Finding 2: no stored value may make a read fail. The depth limit keeps deep values out through the API; these
 * values are written straight into the database (as data from before the limit, or from another writer would
 * be), thousands of levels deep in a call's, a member's and a user's `custom`. GetCall, QueryCalls and JoinCall
 * must still answer 200 for server and user tokens (they answered 500: JSON.stringify of the reply and the
 * snapshot's deepFreeze recursed once per level), with the value cut at the read depth cap.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { READ_DEPTH_CAP } from '../../src/domain/json-depth.js';
import { uid } from '../realtime/support.js';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { deepObjectText } from './support.js';

/** Follows `.a` while it is an object; the number of objects passed. */
function chainDepth(value: unknown): number {
  let depth = 0;
  let at = value;
  while (at !== null && typeof at === 'object') {
    depth += 1;
    at = (at as { a?: unknown }).a;
  }
  return depth;
}

eachDatabase('adversarial: deep stored values', (node) => {
  it('GetCall, QueryCalls and JoinCall answer 200 with values 20,000 levels deep in the database', async () => {
    const t = node();
    const owner = uid('owner');
    const deepUser = uid('deep-user');
    const callId = uid('poisoned');
    const cid = `default:${callId}`;
    await seedUsers(t, owner, deepUser);
    const path = `/api/v2/video/call/default/${callId}`;
    const created = await raw(t, 'POST', path, {
      body: { data: { created_by_id: owner, members: [{ user_id: owner }, { user_id: deepUser }] } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));

    const deep = deepObjectText(20_000);
    const db = t.node.ctx.store.db;
    await db.updateTable('calls').set({ custom: deep }).where('cid', '=', cid).execute();
    await db.updateTable('users').set({ custom: deep }).where('id', '=', deepUser).execute();
    await db
      .updateTable('call_members')
      .set({ custom: deep })
      .where('call_cid', '=', cid)
      .where('user_id', '=', owner)
      .execute();
    t.node.ctx.snapshots.clear(); // written around the services: drop what this node remembers

    const asUser = await t.userToken(owner);
    for (const [who, token] of [
      ['server', t.serverToken],
      ['user', asUser],
    ] as const) {
      const got = await raw(t, 'GET', path, { token });
      assert.equal(got.status, 200, `GetCall as ${who}: ${JSON.stringify(got.body).slice(0, 300)}`);
      const call = got.body.call as { custom: unknown; created_by: unknown };
      assert.equal(chainDepth(call.custom), READ_DEPTH_CAP, 'the stored value is cut at the read cap');
      const members = got.body.members as { user_id: string; custom: unknown; user: { custom: unknown } }[];
      const ownerMember = members.find((m) => m.user_id === owner);
      const deepMember = members.find((m) => m.user_id === deepUser);
      assert.equal(chainDepth(ownerMember?.custom), READ_DEPTH_CAP);
      assert.equal(chainDepth(deepMember?.user.custom), READ_DEPTH_CAP);

      const listed = await raw(t, 'POST', '/api/v2/video/calls', { token, body: {} });
      assert.equal(listed.status, 200, `QueryCalls as ${who}: ${JSON.stringify(listed.body).slice(0, 300)}`);
      const cids = (listed.body.calls as { call: { cid: string } }[]).map((c) => c.call.cid);
      assert.ok(cids.includes(cid), `the poisoned call is on ${who}'s page`);
    }

    // The path: the user with the deep custom joins; everyone keeps reading the call.
    const joined = await raw(t, 'POST', `${path}/join`, { token: await t.userToken(deepUser), body: {} });
    assert.equal(joined.status, 200, JSON.stringify(joined.body).slice(0, 300));
    const after = await raw(t, 'GET', path, { token: asUser });
    assert.equal(after.status, 200, JSON.stringify(after.body).slice(0, 300));
  });
});
