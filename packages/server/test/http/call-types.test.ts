/**
 * Call types over raw HTTP (issue part 5, docs/api.md "Endpoints", "Capabilities and call types"): list / get / create /
 * update / delete, their wire shape, validation, and grants changes taking effect on the next request.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { ALL_CAPABILITIES } from '@switchboard/protocol';
import { assertApiError, DURATION, seedUsers, TIMESTAMP } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const TYPES = '/api/v2/video/calltypes';
const SECTIONS = [
  'audio video screensharing backstage ring limits session recording transcription broadcasting',
  'geofencing thumbnails',
].flatMap((line) => line.split(' '));
const NOTIFICATIONS = ['call_ring', 'call_notification', 'session_started', 'call_live_started', 'call_missed'];

function assertCallTypeShape(type: Json, name: string): void {
  assert.equal(type.name, name);
  assert.equal(typeof type.grants, 'object');
  for (const caps of Object.values(type.grants)) assert.ok(Array.isArray(caps));
  assert.deepEqual(Object.keys(type.settings).sort(), [...SECTIONS].sort());
  assert.equal(typeof type.notification_settings.enabled, 'boolean');
  for (const event of NOTIFICATIONS) {
    const n = type.notification_settings[event];
    assert.equal(typeof n.enabled, 'boolean', event);
    assert.equal(typeof n.apns.title, 'string', event);
    assert.equal(typeof n.fcm.data, 'object', event);
  }
  assert.match(type.created_at, TIMESTAMP);
  assert.match(type.updated_at, TIMESTAMP);
}

eachDatabase('http call types', (node) => {
  before(async () => {
    await seedUsers(node(), 'ann', 'ben');
  });

  it('lists the four built-in types with complete settings and their grants', async () => {
    const res = await raw(node(), 'GET', TYPES);
    assert.equal(res.status, 200);
    assert.match(res.body.duration as string, DURATION);
    const types = res.body.call_types as Json;
    for (const name of ['default', 'audio_room', 'livestream', 'development']) assertCallTypeShape(types[name], name);
    const { default: def, audio_room: audio, livestream: live, development: dev } = types;
    assert.ok(def.grants.user.includes('create-call'));
    assert.ok(!def.grants.user.includes('update-call'));
    assert.ok(def.grants.call_member.includes('update-call'));
    assert.deepEqual([...def.grants.admin].sort(), [...ALL_CAPABILITIES].sort());
    assert.equal(def.settings.video.enabled, true);
    assert.equal(def.settings.backstage.enabled, false);
    assert.equal(def.settings.ring.auto_cancel_timeout_ms, 15_000);
    assert.equal(def.settings.ring.incoming_call_timeout_ms, 15_000);
    assert.equal(audio.settings.backstage.enabled, true);
    assert.equal(audio.settings.video.enabled, false);
    assert.equal(audio.settings.audio.mic_default_on, false);
    assert.ok(audio.grants.speaker.includes('send-audio'));
    assert.ok(!audio.grants.user.includes('send-audio'));
    assert.deepEqual([...live.grants.anonymous].sort(), ['join-call', 'read-call']);
    assert.equal(live.settings.backstage.enabled, true);
    assert.deepEqual([...dev.grants.user].sort(), [...ALL_CAPABILITIES].sort());
  });

  it('gets one type, on both path families; an unknown one is 404 code 16', async () => {
    const res = await raw(node(), 'GET', `${TYPES}/livestream`);
    assert.equal(res.status, 200);
    assertCallTypeShape(res.body, 'livestream');
    const browser = await raw(node(), 'GET', '/video/calltypes/livestream');
    assert.deepEqual({ ...browser.body, duration: '' }, { ...res.body, duration: '' });
    assertApiError(await raw(node(), 'GET', `${TYPES}/nope`), 404, 16, { operation: 'GetCallType' });
    assertApiError(await raw(node(), 'GET', `${TYPES}/Not_Valid`), 400, 4, { field: 'name' });
  });

  it('creates a type: complete settings over the defaults, deduplicated grants', async () => {
    const body = {
      name: 'townhall',
      grants: { user: ['read-call', 'read-call', 'join-call'], host: ['end-call'] },
      settings: { backstage: { enabled: true }, audio: { default_device: 'earpiece' } },
      notification_settings: { call_ring: { enabled: false } },
      unknown_field: 'ignored',
    };
    const res = await raw(node(), 'POST', TYPES, { body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assertCallTypeShape(res.body, 'townhall');
    assert.deepEqual(res.body.grants, { user: ['read-call', 'join-call'], host: ['end-call'] });
    const settings = res.body.settings as Json;
    assert.equal(settings.backstage.enabled, true);
    assert.equal(settings.audio.default_device, 'earpiece');
    assert.equal(settings.audio.mic_default_on, true, 'defaults fill what was not sent');
    assert.equal((res.body.notification_settings as Json).call_ring.enabled, false);
    assert.equal((await raw(node(), 'GET', `${TYPES}/townhall`)).status, 200);

    const call = await raw(node(), 'POST', '/api/v2/video/call/townhall/first', {
      body: { data: { created_by_id: 'ann' } },
    });
    assert.equal(call.status, 200);
    assert.equal((call.body.call as Json).backstage, true, 'calls of the type start from its settings');
    assert.equal((call.body.call as Json).settings.audio.default_device, 'earpiece');
  });

  it('a duplicate name is 400 code 4 naming the field, and changes nothing', async () => {
    const res = await raw(node(), 'POST', TYPES, { body: { name: 'townhall', grants: { user: [] } } });
    assertApiError(res, 400, 4, { field: 'name', operation: 'CreateCallType', mentions: 'townhall' });
    const dup = await raw(node(), 'POST', TYPES, { body: { name: 'default' } });
    assertApiError(dup, 400, 4, { field: 'name' });
    const still = await raw(node(), 'GET', `${TYPES}/townhall`);
    assert.deepEqual((still.body.grants as Json).user, ['read-call', 'join-call']);
  });

  it('invalid create and update bodies are 400 code 4 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'name'],
      [{ name: 'Upper' }, 'name'],
      [{ name: 'x'.repeat(65) }, 'name'],
      [{ name: 'ok', grants: { user: ['fly'] } }, 'grants.user[0]'],
      [{ name: 'ok', grants: { user: 'read-call' } }, 'grants.user'],
      [{ name: 'ok', grants: { 'not a role': ['read-call'] } }, 'grants.not a role'],
      [{ name: 'ok', grants: { 'x y': false } }, 'grants.x y'],
      [{ name: 'ok', settings: { recording: { mode: 'sometimes' } } }, 'settings.recording.mode'],
      [{ name: 'ok', settings: { ring: { auto_cancel_timeout_ms: -5 } } }, 'settings.ring.auto_cancel_timeout_ms'],
      [{ name: 'ok', notification_settings: { enabled: 'yes' } }, 'notification_settings.enabled'],
    ];
    for (const [body, field] of cases) {
      assertApiError(await raw(node(), 'POST', TYPES, { body }), 400, 4, { field, operation: 'CreateCallType' });
    }
    assertApiError(await raw(node(), 'GET', `${TYPES}/ok`), 404, 16);
    const bad = { settings: { video: { camera_facing: 'up' } } };
    const put = await raw(node(), 'PUT', `${TYPES}/townhall`, { body: bad });
    assertApiError(put, 400, 4, { field: 'settings.video.camera_facing', operation: 'UpdateCallType' });
    assertApiError(await raw(node(), 'PUT', `${TYPES}/nope`, { body: {} }), 404, 16, { operation: 'UpdateCallType' });
  });

  it('update replaces the grants of the roles sent, keeps the others, and deep-merges settings', async () => {
    const before = await raw(node(), 'GET', `${TYPES}/townhall`);
    const body = { grants: { user: ['read-call'] }, settings: { audio: { mic_default_on: false } } };
    const res = await raw(node(), 'PUT', `${TYPES}/townhall`, { body });
    assert.equal(res.status, 200);
    assertCallTypeShape(res.body, 'townhall');
    assert.deepEqual(res.body.grants, { user: ['read-call'], host: ['end-call'] });
    const settings = res.body.settings as Json;
    assert.equal(settings.audio.mic_default_on, false);
    assert.equal(settings.audio.default_device, 'earpiece', 'earlier settings kept');
    assert.equal(settings.backstage.enabled, true);
    assert.equal(res.body.created_at, before.body.created_at);
    assert.ok((res.body.updated_at as string) >= (before.body.updated_at as string));
  });

  it('a grants change takes effect on the next request', async () => {
    const token = await node().userToken('ben');
    const path = '/api/v2/video/call/townhall/first';
    const read = await raw(node(), 'GET', path, { token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.own_capabilities, ['read-call']);
    assert.equal((await raw(node(), 'PUT', `${TYPES}/townhall`, { body: { grants: { user: [] } } })).status, 200);
    assertApiError(await raw(node(), 'GET', path, { token }), 403, 17, { operation: 'GetCall' });
    const restore = { grants: { user: ['read-call', 'join-call', 'end-call'] } };
    assert.equal((await raw(node(), 'PUT', `${TYPES}/townhall`, { body: restore })).status, 200);
    const again = await raw(node(), 'GET', path, { token });
    assert.deepEqual([...(again.body.own_capabilities as string[])].sort(), ['end-call', 'join-call', 'read-call']);
  });

  it('delete is refused while calls of the type exist, even soft-deleted ones', async () => {
    const refused = await raw(node(), 'DELETE', `${TYPES}/townhall`);
    assertApiError(refused, 400, 4, { operation: 'DeleteCallType', mentions: 'townhall' });
    const path = '/api/v2/video/call/townhall/first';
    assert.equal((await raw(node(), 'POST', `${path}/delete`, { body: {} })).status, 200);
    assertApiError(await raw(node(), 'DELETE', `${TYPES}/townhall`), 400, 4);
    assert.equal((await raw(node(), 'GET', `${TYPES}/townhall`)).status, 200);
  });

  it('delete succeeds once no call uses the type; the name is then free', async () => {
    const hard = await raw(node(), 'POST', '/api/v2/video/call/townhall/first/delete', { body: { hard: true } });
    assert.equal(hard.status, 200, 'a soft-deleted call can still be hard-deleted');
    const townhall = await raw(node(), 'DELETE', `${TYPES}/townhall`);
    assert.equal(townhall.status, 200, JSON.stringify(townhall.body));
    const created = await raw(node(), 'POST', TYPES, { body: { name: 'scratch' } });
    assert.equal(created.status, 201);
    const res = await raw(node(), 'DELETE', `${TYPES}/scratch`);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['duration']);
    assertApiError(await raw(node(), 'GET', `${TYPES}/scratch`), 404, 16);
    assertApiError(
      await raw(node(), 'POST', '/api/v2/video/call/scratch/c', { body: { data: { created_by_id: 'ann' } } }),
      404,
      16,
    );
    assertApiError(await raw(node(), 'DELETE', `${TYPES}/scratch`), 404, 16, { operation: 'DeleteCallType' });
    assert.equal((await raw(node(), 'POST', TYPES, { body: { name: 'scratch' } })).status, 201);
  });
});
