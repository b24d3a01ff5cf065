/**
 * Permission resolution with role names that are also Object.prototype members: a role resolves to its own
 * grants or to none, never to something every object inherits (it answered "function is not iterable").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilitiesByRole, capabilitiesFor, type Grants, grantsOf } from '../../src/domain/permissions.js';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

const grants: Grants = { user: ['read-call'], call_member: ['join-call'], admin: ['end-call', 'read-call'] };

describe('permissions with hostile role names', () => {
  for (const role of PROTOTYPE_NAMES) {
    it(`a global role ${role} holds nothing; a member role ${role} holds only call_member's grants`, () => {
      assert.deepEqual(capabilitiesFor(grants, { globalRole: role }), []);
      assert.deepEqual(capabilitiesFor(grants, { globalRole: role, memberRole: role }), ['join-call']);
      assert.deepEqual(capabilitiesFor(grants, { globalRole: 'user', memberRole: role }), ['join-call', 'read-call']);
      assert.deepEqual(grantsOf(grants, role), []);
    });
  }

  it('a role stored under such a name (parsed from JSON) is its own data and resolves to its own grants', () => {
    const stored = JSON.parse('{"__proto__":["end-call"],"constructor":["read-call","not-a-capability",7]}') as Grants;
    assert.deepEqual(capabilitiesFor(stored, { globalRole: '__proto__' }), ['end-call']);
    assert.deepEqual(capabilitiesFor(stored, { globalRole: 'constructor' }), ['read-call']);
    assert.deepEqual(capabilitiesFor(stored, { globalRole: 'toString' }), []);
    const byRole = capabilitiesByRole(stored);
    assert.ok(Object.hasOwn(byRole, '__proto__'), 'kept as an own key, not a prototype change');
    assert.deepEqual(byRole.constructor, ['read-call']);
    assert.equal(Object.getPrototypeOf(byRole), Object.prototype);
  });

  it('a grants entry that is not a list gives nothing instead of throwing', () => {
    const broken = { user: 'read-call', admin: null } as unknown as Grants;
    assert.deepEqual(capabilitiesFor(broken, { globalRole: 'user' }), []);
    assert.deepEqual(capabilitiesFor(broken, { globalRole: 'admin' }), []);
  });
});
