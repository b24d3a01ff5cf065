/**
 * Concurrent writes to one call (issue 8, finding 4). On PostgreSQL several transactions of one call used to run
 * side by side and read-modify-write the same rows: parallel joins split the session, the last leave did not end
 * it, joins racing `mark_ended` reopened an ended call, JSON columns (settings_override, blocked_user_ids) lost
 * updates, and member upserts collided on the primary key (500). Every writer of a call now locks the call row
 * first (services/call-access.ts `lockCallForChange`). These tests fire many requests at once on one call and
 * assert the invariants the lock keeps; SQLite runs them too (it serializes writers by itself).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { type RawResponse, raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';

const PARALLEL = 50;
const ROUNDS = 3;
const USERS = Array.from({ length: PARALLEL }, (_, i) => `racer${i}`);

/** Asserts that no response of a burst was a server error, naming the first one. */
function assertNo5xx(responses: readonly RawResponse[], what: string): void {
  const failed = responses.find((r) => r.status >= 500);
  assert.equal(failed, undefined, `${what}: ${JSON.stringify(failed?.body)}`);
}

/** Sessions of a call still open, and participants still in any of them. */
async function sessionState(t: TestNode, cid: string) {
  const db = t.node.ctx.store.read.db;
  const call = await db.selectFrom('calls').selectAll().where('cid', '=', cid).executeTakeFirstOrThrow();
  const open = await db
    .selectFrom('call_sessions')
    .select('id')
    .where('call_cid', '=', cid)
    .where('ended_at', 'is', null)
    .execute();
  const active = await db
    .selectFrom('session_participants')
    .select(['session_id', 'user_id'])
    .where('call_cid', '=', cid)
    .where('left_at', 'is', null)
    .execute();
  return { call, open: open.map((s) => s.id), active };
}

eachDatabase('adversarial: concurrent writes to one call', (node) => {
  const tokens = new Map<string, string>();
  const path = (id: string) => `/api/v2/video/call/default/${id}`;
  const as = (userId: string) => ({ token: tokens.get(userId) ?? '' });
  const createCall = async (id: string) => {
    const members = USERS.map((user_id) => ({ user_id }));
    const res = await raw(node(), 'POST', path(id), { body: { data: { created_by_id: 'racer0', members } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return `default:${id}`;
  };

  before(async () => {
    await seedUsers(node(), ...USERS);
    for (const id of USERS) tokens.set(id, await node().userToken(id));
  });

  it(`${PARALLEL} parallel joins share one session; ${PARALLEL} parallel leaves end it (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const cid = await createCall(`joins-${round}`);
      const joins = await Promise.all(
        USERS.map(async (u) => raw(node(), 'POST', `${path(`joins-${round}`)}/join`, { ...as(u), body: {} })),
      );
      assertNo5xx(joins, 'join');
      assert.deepEqual(
        joins.map((r) => r.status),
        USERS.map(() => 200),
      );
      const joined = await sessionState(node(), cid);
      assert.equal(joined.open.length, 1, `round ${round}: one open session, got ${joined.open.length}`);
      assert.equal(joined.call.current_session_id, joined.open[0]);
      assert.equal(joined.active.length, PARALLEL, `round ${round}: every joiner is a participant`);
      assert.ok(
        joined.active.every((p) => p.session_id === joined.open[0]),
        'all in the current session',
      );

      const leaves = await Promise.all(
        USERS.map(async (u) => raw(node(), 'POST', `${path(`joins-${round}`)}/leave`, { ...as(u), body: {} })),
      );
      assertNo5xx(leaves, 'leave');
      const left = await sessionState(node(), cid);
      assert.deepEqual(left.open, [], `round ${round}: the emptied session is ended`);
      assert.equal(left.active.length, 0);
      assert.equal(left.call.current_session_id, null, `round ${round}: the call is not ongoing`);
      const ongoing = await raw(node(), 'POST', '/api/v2/video/calls', {
        body: { filter_conditions: { cid, ongoing: true } },
      });
      assert.equal(ongoing.status, 200, JSON.stringify(ongoing.body));
      assert.deepEqual(ongoing.body.calls, [], 'QueryCalls ongoing:true no longer finds it');
    }
  });

  it('joins racing mark_ended never leave an ended call with a live session', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = `end-race-${round}`;
      const cid = await createCall(id);
      const half = PARALLEL / 2;
      const requests = USERS.map(async (u, i) => {
        if (i === half) return raw(node(), 'POST', `${path(id)}/mark_ended`, { body: {} });
        return raw(node(), 'POST', `${path(id)}/join`, { ...as(u), body: {} });
      });
      const responses = await Promise.all(requests);
      assertNo5xx(responses, 'join or mark_ended');
      assert.equal(responses[half]?.status, 200, 'mark_ended succeeded');
      const after = await sessionState(node(), cid);
      assert.notEqual(after.call.ended_at, null);
      assert.deepEqual(after.open, [], `round ${round}: no open session on an ended call`);
      assert.equal(after.active.length, 0, `round ${round}: no participant left in an ended call`);
      assert.equal(after.call.current_session_id, null);
    }
  });

  it('parallel settings_override PATCHes of different keys all survive', async () => {
    const id = 'settings-race';
    await createCall(id);
    const patches: Record<string, Record<string, boolean>>[] = [
      { audio: { mic_default_on: true } },
      { audio: { speaker_default_on: false } },
      { audio: { opus_dtx_enabled: false } },
      { audio: { hifi_audio_enabled: true } },
      { video: { camera_default_on: true } },
      { video: { access_request_enabled: false } },
      { screensharing: { access_request_enabled: false } },
      { audio: { redundant_coding_enabled: false } },
    ];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate values per round so every round changes every key.
      const flip = round % 2 === 1;
      const sent = patches.map((p) =>
        Object.fromEntries(
          Object.entries(p).map(([group, fields]) => [
            group,
            Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, flip ? !v : v])),
          ]),
        ),
      );
      const responses = await Promise.all(
        sent.map((settings_override) => raw(node(), 'PATCH', path(id), { body: { settings_override } })),
      );
      assertNo5xx(responses, 'update call');
      const call = await raw(node(), 'GET', path(id));
      const settings = (call.body.call as { settings: Record<string, Record<string, unknown>> }).settings;
      for (const p of sent) {
        for (const [group, fields] of Object.entries(p)) {
          for (const [k, v] of Object.entries(fields)) {
            assert.equal(settings[group]?.[k], v, `round ${round}: ${group}.${k} kept`);
          }
        }
      }
    }
  });

  it('40 parallel adds and removes of one member answer without a 5xx', async () => {
    const id = 'member-race';
    await createCall(id);
    for (let round = 0; round < ROUNDS; round++) {
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          raw(node(), 'POST', `${path(id)}/members`, {
            body: i % 2 === 0 ? { update_members: [{ user_id: 'racer7' }] } : { remove_members: ['racer7'] },
          }),
        ),
      );
      assertNo5xx(responses, 'update call members');
      assert.ok(responses.every((r) => r.status === 200));
    }
  });

  it('parallel blocks of different users are all recorded', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = `block-race-${round}`;
      const cid = await createCall(id);
      const victims = USERS.slice(1, 9);
      const responses = await Promise.all(
        victims.map((user_id) => raw(node(), 'POST', `${path(id)}/block`, { body: { user_id } })),
      );
      assertNo5xx(responses, 'block user');
      const { call } = await sessionState(node(), cid);
      assert.deepEqual(JSON.parse(call.blocked_user_ids).sort(), [...victims].sort(), `round ${round}`);
    }
  });
});
