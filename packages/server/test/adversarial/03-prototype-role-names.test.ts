/**
 * Finding 3: roles named after Object.prototype members (`constructor`, `__proto__`, `toString`,
 * `hasOwnProperty`) made GetCall, JoinCall and QueryCalls answer 500 for the victim. They are refused wherever a
 * role is written (member roles, user roles, call type grant keys: `^[a-z0-9_-]{1,64}$`, never `constructor` or
 * `__proto__`), and a role already stored under such a name resolves safely.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { uid } from '../realtime/support.js';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

eachDatabase('adversarial: role names', (node) => {
  it('refuses hostile and malformed role names on every write, as code 4 naming the field', async () => {
    const t = node();
    const owner = uid('owner');
    const victim = uid('victim');
    await seedUsers(t, owner, victim);
    const path = `/api/v2/video/call/default/${uid('roles')}`;
    const created = await raw(t, 'POST', path, { body: { data: { created_by_id: owner } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));

    for (const role of [...HOSTILE, 'Admin', 'a b', 'x'.repeat(65), '']) {
      // Raw text: a `__proto__` key written through JSON.stringify of an object literal would vanish.
      const members = `{"update_members":[{"user_id":"${victim}","role":${JSON.stringify(role)}}]}`;
      assertApiError(await raw(t, 'POST', `${path}/members`, { body: members }), 400, 4, {
        field: 'update_members[0].role',
      });
      const create = `{"data":{"created_by_id":"${owner}","members":[{"user_id":"${victim}","role":${JSON.stringify(role)}}]}}`;
      assertApiError(await raw(t, 'POST', `/api/v2/video/call/default/${uid('c')}`, { body: create }), 400, 4, {
        field: 'data.members[0].role',
      });
      const user = `{"users":{"${victim}":{"id":"${victim}","role":${JSON.stringify(role)}}}}`;
      assertApiError(await raw(t, 'POST', '/api/v2/users', { body: user }), 400, 4, {
        field: `users.${victim}.role`,
      });
      const partial = `{"users":[{"id":"${victim}","set":{"role":${JSON.stringify(role)}}}]}`;
      assertApiError(await raw(t, 'PATCH', '/api/v2/users', { body: partial }), 400, 4, {
        field: 'users[0].set.role',
      });
      if (role !== '') {
        const grants = `{"grants":{${JSON.stringify(role)}:["read-call"]}}`;
        const res = await raw(t, 'PUT', '/api/v2/video/calltypes/default', { body: grants });
        assertApiError(res, 400, 4);
      }
    }
    const members = await raw(t, 'GET', path);
    const victimMember = (members.body.members as { user_id: string }[]).find((m) => m.user_id === victim);
    assert.equal(victimMember, undefined, 'no refused write added the victim');
  });

  it('a stored hostile member or user role never makes GetCall, JoinCall or QueryCalls fail', async () => {
    const t = node();
    const owner = uid('owner');
    await seedUsers(t, owner);
    const db = t.node.ctx.store.db;
    for (const role of HOSTILE) {
      const memberVictim = uid('member-victim');
      const userVictim = uid('user-victim');
      await seedUsers(t, memberVictim, userVictim);
      const callId = uid('c');
      const path = `/api/v2/video/call/default/${callId}`;
      const created = await raw(t, 'POST', path, {
        body: { data: { created_by_id: owner, members: [{ user_id: memberVictim }, { user_id: userVictim }] } },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      // Written around the API, as data from before role names were checked would be.
      await db
        .updateTable('call_members')
        .set({ role })
        .where('call_cid', '=', `default:${callId}`)
        .where('user_id', '=', memberVictim)
        .execute();
      await db.updateTable('users').set({ role }).where('id', '=', userVictim).execute();
      t.node.ctx.snapshots.clear();

      for (const victim of [memberVictim, userVictim]) {
        const token = await t.userToken(victim);
        const got = await raw(t, 'GET', path, { token });
        assert.equal(got.status, 200, `GetCall, role ${role}: ${JSON.stringify(got.body)}`);
        // Members of a default call hold call_member's grants whatever their own role.
        assert.ok((got.body.own_capabilities as string[]).includes('join-call'), JSON.stringify(got.body));
        const listed = await raw(t, 'POST', '/api/v2/video/calls', { token, body: {} });
        assert.equal(listed.status, 200, `QueryCalls, role ${role}: ${JSON.stringify(listed.body)}`);
        const joined = await raw(t, 'POST', `${path}/join`, { token, body: {} });
        assert.equal(joined.status, 200, `JoinCall, role ${role}: ${JSON.stringify(joined.body)}`);
      }
    }
  });
});
