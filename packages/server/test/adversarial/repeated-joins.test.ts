/**
 * Repeated joins and the size of events (issue 8, finding 5). One user repeating `POST …/join {}` used to add a
 * participant each time, and every event embedded every participant: the outbox grew quadratically. A join from
 * the same user and connection (here: without one) now keeps the existing participation, `limits.max_participants`
 * is honoured, and events embed a bounded number of participants with counts over all of them.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertApiError, outbox, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const CROWD = Array.from({ length: 32 }, (_, i) => `p${String(i).padStart(2, '0')}`);

eachDatabase('adversarial: repeated joins and event size', (node) => {
  const path = (id: string) => `/api/v2/video/call/default/${id}`;
  const create = async (id: string, data: Json = {}) => {
    const res = await raw(node(), 'POST', path(id), { body: { data: { created_by_id: 'p00', ...data } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const join = (id: string, userId: string) => raw(node(), 'POST', `${path(id)}/join`, { body: { user_id: userId } });

  before(async () => {
    await seedUsers(node(), ...CROWD);
  });

  it('200 repeated joins of one user keep one participant and announce it once', async () => {
    await create('repeat');
    const since = (await outbox(node())).length;
    let first: string | undefined;
    // 10 bursts of 20 at once: repeating is idempotent also when the repeats race each other.
    for (let burst = 0; burst < 10; burst++) {
      const responses = await Promise.all(Array.from({ length: 20 }, () => join('repeat', 'p01')));
      for (const res of responses) {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const participants = (res.body as Json).call.session.participants;
        assert.equal(participants.length, 1, `burst ${burst}: one participant`);
        first ??= participants[0].user_session_id;
        assert.equal(participants[0].user_session_id, first, 'the existing participation is returned');
      }
    }
    const events = (await outbox(node())).slice(since);
    assert.deepEqual(
      events.map((e) => e.type),
      ['call.session_started', 'call.session_participant_joined'],
    );
    const rows = await node()
      .node.ctx.store.read.db.selectFrom('session_participants')
      .select('user_session_id')
      .where('call_cid', '=', 'default:repeat')
      .execute();
    assert.equal(rows.length, 1, 'one participant row stored');
  });

  it('events embed a bounded participant list with counts over everyone; the API lists all', async () => {
    await create('crowd');
    const since = (await outbox(node())).length;
    for (const user of CROWD) assert.equal((await join('crowd', user)).status, 200);
    const joined = (await outbox(node()))
      .slice(since)
      .filter((e) => e.type === 'call.session_participant_joined')
      .map((e) => e.event as Json);
    assert.equal(joined.length, CROWD.length);
    const sizes = joined.map((e) => JSON.stringify(e).length);
    const last = joined.at(-1);
    assert.ok(last.call.session.participants.length < CROWD.length, 'the list is cut');
    assert.deepEqual(last.call.session.participants_count_by_role, { user: CROWD.length }, 'counts cover everyone');
    // Once the list is full, every further join event has the same size (ids and timestamps have fixed lengths).
    const cap = last.call.session.participants.length;
    const steady = sizes.slice(cap + 1);
    assert.ok(steady.length >= 4);
    assert.ok(
      steady.every((n) => n === steady[0]),
      `constant size after ${cap} participants: ${steady.join(', ')}`,
    );
    const call = await raw(node(), 'GET', path('crowd'));
    assert.equal((call.body as Json).call.session.participants.length, CROWD.length, 'GetCall lists everyone');
  });

  it('limits.max_participants refuses the join over the limit with code 17; excluded roles still join', async () => {
    await create('small', {
      members: [{ user_id: 'p05', role: 'admin' }],
      settings_override: { limits: { max_participants: 2, max_participants_exclude_roles: ['admin'] } },
    });
    assert.equal((await join('small', 'p01')).status, 200);
    assert.equal((await join('small', 'p02')).status, 200);
    const refused = await join('small', 'p03');
    assertApiError(refused, 403, 17, { operation: 'JoinCall', mentions: 'at most 2 participants' });
    assert.equal((await join('small', 'p01')).status, 200, 'a participant joining again is not refused');
    assert.equal((await join('small', 'p05')).status, 200, 'an excluded role joins a full call');
    const call = await raw(node(), 'GET', path('small'));
    const ids = (call.body as Json).call.session.participants.map((p: Json) => p.user.id).sort();
    assert.deepEqual(ids, ['p01', 'p02', 'p05']);
  });
});
