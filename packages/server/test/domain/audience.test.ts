/**
 * The one audience decision (domain/audience.ts) that the WebSocket router and push delivery share, and the push
 * templates: pure functions, tested on data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import { audienceOf, mayReceive, needsMembers, pushAudience } from '../../src/domain/audience.js';
import { renderTemplate } from '../../src/domain/push-template.js';

const user = (id: string, name?: string) => ({ id, ...(name ? { name } : {}) });
const call = (extra: Record<string, unknown> = {}) => ({
  id: 'c1',
  type: 'default',
  cid: 'default:c1',
  custom: {},
  blocked_user_ids: [] as string[],
  created_by: user('alice', 'Alice'),
  ...extra,
});
const event = (e: Record<string, unknown>) =>
  ({ created_at: '', call_cid: 'default:c1', call: call(), ...e }) as unknown as CallEvent;
const member = (id: string) => ({ user_id: id });

describe('audience', () => {
  it('sends a ring to the listed callees only, never the caller, and needs no member lookup', () => {
    const ring = event({ type: 'call.ring', user: user('alice'), members: [member('alice'), member('bob')] });
    assert.equal(needsMembers(ring), false);
    assert.deepEqual(audienceOf(ring, []), { watchers: false, users: new Set(['bob']) });
    assert.deepEqual(pushAudience(ring, []), ['bob']);
  });

  it('tells the caller of a missed call over the socket, but pushes only to who missed it', () => {
    const missed = event({ type: 'call.missed', user: user('alice'), members: [member('bob'), member('carl')] });
    assert.deepEqual([...audienceOf(missed, []).users].sort(), ['alice', 'bob', 'carl']);
    assert.deepEqual(pushAudience(missed, []).sort(), ['bob', 'carl']);
  });

  it('sends other call events to watchers and members; pushes skip who is already in the session', () => {
    const started = {
      ...event({ type: 'call.session_started', session_id: 's' }),
      call: call({ session: { participants: [{ user: user('alice') }] } }),
    } as unknown as CallEvent;
    assert.equal(needsMembers(started), true);
    assert.deepEqual(audienceOf(started, ['alice', 'bob']), { watchers: true, users: new Set(['alice', 'bob']) });
    assert.deepEqual(pushAudience(started, ['alice', 'bob']), ['bob']);
  });

  it('lets a blocked user hear only of their own blocking, and pushes nothing to them', () => {
    const blocked = {
      ...event({ type: 'call.live_started' }),
      call: call({ blocked_user_ids: ['bob'] }),
    } as unknown as CallEvent;
    assert.equal(mayReceive(blocked, 'bob'), false);
    assert.deepEqual(pushAudience(blocked, ['alice', 'bob']), ['alice']);
    const own = {
      ...event({ type: 'call.blocked_user', user: user('bob') }),
      call: call({ blocked_user_ids: ['bob'] }),
    };
    assert.equal(mayReceive(own as unknown as CallEvent, 'bob'), true);
    // Someone else's blocking is news of the call like any other: the blocked user hears none of it.
    const others = {
      ...event({ type: 'call.blocked_user', user: user('carl') }),
      call: call({ blocked_user_ids: ['bob', 'carl'] }),
    };
    assert.equal(mayReceive(others as unknown as CallEvent, 'bob'), false);
    assert.equal(mayReceive(others as unknown as CallEvent, 'carl'), true);
  });

  it('adds removed and added members to the audience of their member event', () => {
    const removed = event({ type: 'call.member_removed', members: ['gone'] });
    assert.deepEqual([...audienceOf(removed, ['alice']).users].sort(), ['alice', 'gone']);
  });
});

describe('push templates', () => {
  it('renders call and caller placeholders; unknown paths render empty; names fall back to ids', () => {
    const scope = { call: call({ custom: { name: 'Standup' } }) as never, user: user('bob') as never };
    assert.equal(renderTemplate('{{ user.display_name }} is calling you', scope), 'bob is calling you');
    assert.equal(renderTemplate('{{call.display_name}} / {{ call.id }} / {{ nope.x }}', scope), 'Standup / c1 / ');
    assert.equal(renderTemplate('{{ call.custom }}', scope), '', 'objects do not render');
    assert.equal(renderTemplate('x'.repeat(5000), scope).length, 1024, 'bounded');
  });
});
