/**
 * The wire shapes of call operations over raw HTTP (docs/api.md "Endpoints" and "Models"): field names, complete
 * settings, timestamps, member order and limit, both path families, and the behaviour choices of UpdateCall,
 * EndCall and DeleteCall.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Call, Member } from '@switchboard/protocol';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { assertApiError, DURATION, seedUsers, TIMESTAMP } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

const ajv = new AjvModule.default({ strict: false });
addFormatsModule.default(ajv, ['date-time']);
const callSchema = ajv.compile(Call);
const isCall = (value: unknown): boolean => callSchema(value);
const memberSchema = ajv.compile(Member);
const isMember = (value: unknown): boolean => memberSchema(value);

/** CallSettings as docs/api.md lists it: the response always carries every section and these fields. */
const SETTINGS_FIELDS: Record<string, string[]> = {
  audio: [
    'access_request_enabled',
    'mic_default_on',
    'speaker_default_on',
    'default_device',
    'opus_dtx_enabled',
    'redundant_coding_enabled',
    'hifi_audio_enabled',
  ],
  video: ['enabled', 'access_request_enabled', 'camera_default_on', 'camera_facing', 'target_resolution'],
  screensharing: ['enabled', 'access_request_enabled'],
  backstage: ['enabled'],
  ring: ['auto_cancel_timeout_ms', 'incoming_call_timeout_ms', 'missed_call_timeout_ms'],
  limits: ['max_participants_exclude_roles'],
  session: ['inactivity_timeout_seconds'],
  recording: ['mode', 'audio_only', 'quality'],
  transcription: ['mode', 'closed_caption_mode', 'language'],
  broadcasting: ['enabled', 'hls', 'rtmp'],
  geofencing: ['names'],
  thumbnails: ['enabled'],
};
const CALL_FIELDS = [
  'id type cid created_by custom settings backstage blocked_user_ids created_at updated_at',
  'current_session_id recording transcribing captioning egress ingress',
].flatMap((line) => line.split(' '));

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

const BASE = '/api/v2/video/call/default';

/** raw() with the body typed for probing field by field. */
const api = (...args: Parameters<typeof raw>): Promise<{ status: number; body: Json }> => raw(...args);

eachDatabase('http wire shapes', (node) => {
  let created: Json;

  before(async () => {
    await seedUsers(node(), 'ann', 'ben', 'cat', 'dan', 'eve');
    const body = {
      data: {
        created_by_id: 'ann',
        members: [{ user_id: 'ann', role: 'admin', custom: { seat: 1 } }, { user_id: 'ben' }],
        custom: { color: 'blue' },
        settings_override: { audio: { mic_default_on: false } },
        starts_at: '2030-01-01T10:00:00+02:00',
        team: 'red',
      },
      members_limit: 100,
    };
    const res = await api(node(), 'POST', `${BASE}/shape`, { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    created = res.body;
    // Members added later are newer, one request at a time so their created_at differ.
    for (const user_id of ['cat', 'dan', 'eve']) {
      const add = await api(node(), 'POST', `${BASE}/shape/members`, { body: { update_members: [{ user_id }] } });
      assert.equal(add.status, 200);
    }
  });

  it('GetOrCreate answers call, members, own_capabilities, created and duration', () => {
    assert.deepEqual(Object.keys(created).sort(), ['call', 'created', 'duration', 'members', 'own_capabilities']);
    assert.equal(created.created, true);
    assert.match(created.duration, DURATION);
    const call = created.call;
    for (const field of CALL_FIELDS) assert.ok(Object.hasOwn(call, field), `call.${field}`);
    assert.ok(isCall(call), JSON.stringify(callSchema.errors));
    assert.equal(call.id, 'shape');
    assert.equal(call.type, 'default');
    assert.equal(call.cid, 'default:shape');
    assert.equal(call.created_by.id, 'ann');
    assert.deepEqual(call.custom, { color: 'blue' });
    assert.equal(call.backstage, false);
    assert.deepEqual(call.blocked_user_ids, []);
    assert.equal(call.current_session_id, '');
    assert.equal(call.ended_at, undefined);
    assert.equal(call.starts_at, '2030-01-01T08:00:00.000Z');
    assert.equal(call.team, 'red');
    for (const t of [call.created_at, call.updated_at, call.created_by.created_at]) assert.match(t, TIMESTAMP);
    assert.ok(created.own_capabilities.includes('end-call'), 'a server token holds every capability');
  });

  it('settings are complete: every section and field of docs/api.md, with the override merged in', () => {
    const { settings } = created.call;
    assert.deepEqual(Object.keys(settings).sort(), Object.keys(SETTINGS_FIELDS).sort());
    for (const [section, fields] of Object.entries(SETTINGS_FIELDS)) {
      for (const field of fields) assert.ok(Object.hasOwn(settings[section], field), `settings.${section}.${field}`);
    }
    assert.equal(settings.audio.mic_default_on, false, 'override applied');
    assert.equal(settings.audio.default_device, 'speaker', 'type default kept beside the override');
    assert.equal(settings.video.enabled, true);
    assert.equal(settings.ring.auto_cancel_timeout_ms, 15_000);
    assert.equal(typeof settings.video.target_resolution.width, 'number');
  });

  it('members carry user_id, user, role, custom and timestamps', () => {
    const ann = created.members.find((m: Json) => m.user_id === 'ann');
    assert.ok(isMember(ann), JSON.stringify(memberSchema.errors));
    assert.equal(ann.role, 'admin');
    assert.deepEqual(ann.custom, { seat: 1 });
    assert.equal(ann.user.id, 'ann');
    assert.match(ann.created_at, TIMESTAMP);
    const ben = created.members.find((m: Json) => m.user_id === 'ben');
    assert.equal(ben.role, 'call_member', 'the default call-level role');
  });

  it('members are newest first and capped by members_limit (body and query)', async () => {
    const all = await api(node(), 'GET', `${BASE}/shape`);
    assert.equal(all.status, 200);
    const ids = all.body.members.map((m: Json) => m.user_id);
    assert.deepEqual(ids.slice(0, 3), ['eve', 'dan', 'cat']);
    assert.deepEqual([...ids.slice(3)].sort(), ['ann', 'ben']);
    const times = all.body.members.map((m: Json) => m.created_at);
    assert.deepEqual(times, [...times].sort().reverse());
    const two = await api(node(), 'GET', `${BASE}/shape`, { query: { members_limit: '2' } });
    assert.deepEqual(
      two.body.members.map((m: Json) => m.user_id),
      ['eve', 'dan'],
    );
    const none = await api(node(), 'POST', `${BASE}/shape`, { body: { members_limit: 0 } });
    assert.deepEqual(none.body.members, []);
    const one = await api(node(), 'POST', `${BASE}/shape`, { body: { members_limit: 1 } });
    assert.deepEqual(
      one.body.members.map((m: Json) => m.user_id),
      ['eve'],
    );
  });

  it('GetOrCreate of an existing call changes nothing and answers created: false', async () => {
    const body = {
      data: { created_by_id: 'ben', custom: { color: 'green' }, members: [{ user_id: 'ann', role: 'host' }] },
    };
    const res = await api(node(), 'POST', `${BASE}/shape`, { body });
    assert.equal(res.status, 200);
    assert.equal(res.body.created, false);
    assert.deepEqual(res.body.call.custom, { color: 'blue' });
    assert.equal(res.body.call.created_by.id, 'ann');
    assert.equal(res.body.call.updated_at, (await api(node(), 'GET', `${BASE}/shape`)).body.call.updated_at);
  });

  it('both path families reach the same handlers', async () => {
    const browser = await api(node(), 'POST', '/video/call/default/family', {
      body: { data: { created_by_id: 'ann' } },
    });
    assert.equal(browser.status, 200);
    assert.equal(browser.body.created, true);
    const server = await api(node(), 'GET', `${BASE}/family`);
    assert.equal(server.body.call.cid, 'default:family');
    assert.equal(server.body.call.created_at, browser.body.call.created_at);
    const patched = await api(node(), 'PATCH', '/video/call/default/family', { body: { custom: { via: 'video' } } });
    assert.deepEqual(patched.body.call.custom, { via: 'video' });
    assert.equal((await api(node(), 'GET', '/video/calltypes/default')).body.name, 'default');
    assertApiError(await api(node(), 'GET', '/video/call/default/nope'), 404, 16, { operation: 'GetCall' });
  });

  it('UpdateCall replaces custom as a whole and deep-merges settings_override', async () => {
    const path = `${BASE}/shape`;
    const first = await api(node(), 'PATCH', path, { body: { custom: { size: 'L', tags: ['a'] } } });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.call.custom, { size: 'L', tags: ['a'] });
    for (const field of ['call', 'members', 'own_capabilities', 'duration']) assert.ok(field in first.body, field);
    assert.ok(first.body.call.updated_at > created.call.updated_at, 'updated_at moves forward');

    const device = await api(node(), 'PATCH', path, {
      body: { settings_override: { audio: { default_device: 'earpiece' } } },
    });
    const { audio, video } = device.body.call.settings;
    assert.equal(audio.default_device, 'earpiece');
    assert.equal(audio.mic_default_on, false, 'the earlier override is kept');
    assert.equal(video.camera_default_on, true, 'untouched sections keep the type settings');
    assert.deepEqual(device.body.call.custom, { size: 'L', tags: ['a'] }, 'custom untouched when not sent');

    const nested = { video: { target_resolution: { width: 640 } } };
    const res = await api(node(), 'PATCH', path, { body: { settings_override: nested } });
    assert.deepEqual(res.body.call.settings.video.target_resolution, { width: 640, height: 720, bitrate: 1_500_000 });
    const read = await api(node(), 'GET', path);
    assert.deepEqual(read.body.call.settings, res.body.call.settings, 'GetCall shows the stored merge');
  });

  it('EndCall answers only duration; the call then has ended_at; ending again is harmless', async () => {
    const path = `${BASE}/ending`;
    assert.equal((await api(node(), 'POST', path, { body: { data: { created_by_id: 'ann' } } })).status, 200);
    const res = await api(node(), 'POST', `${path}/mark_ended`, { body: {} });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['duration']);
    const read = await api(node(), 'GET', path);
    assert.match(read.body.call.ended_at, TIMESTAMP);
    const again = await api(node(), 'POST', `${path}/mark_ended`);
    assert.equal(again.status, 200);
    assert.equal((await api(node(), 'GET', path)).body.call.ended_at, read.body.call.ended_at);
  });

  it('soft delete hides the call; hard delete frees the id', async () => {
    const path = `${BASE}/deleting`;
    assert.equal(
      (await api(node(), 'POST', path, { body: { data: { created_by_id: 'ann', custom: { v: 1 } } } })).status,
      200,
    );
    const soft = await api(node(), 'POST', `${path}/delete`, { body: {} });
    assert.equal(soft.status, 200);
    assert.equal(soft.body.call.cid, 'default:deleting');
    assert.ok(isCall(soft.body.call), JSON.stringify(callSchema.errors));
    assertApiError(await api(node(), 'GET', path), 404, 16);
    assertApiError(await api(node(), 'PATCH', path, { body: { custom: {} } }), 404, 16);

    assertApiError(await api(node(), 'POST', `${path}/delete`, { body: {} }), 404, 16, { operation: 'DeleteCall' });
    const hard = await api(node(), 'POST', `${path}/delete`, { body: { hard: true } });
    assert.equal(hard.status, 200, 'a soft-deleted call can still be hard-deleted');
    assert.equal((await api(node(), 'POST', path, { body: { data: { created_by_id: 'ben' } } })).body.created, true);

    const other = `${BASE}/hard-deleting`;
    const body = { data: { created_by_id: 'ann', members: [{ user_id: 'ben' }], custom: { v: 1 } } };
    assert.equal((await api(node(), 'POST', other, { body })).status, 200);
    assert.equal((await api(node(), 'POST', `${other}/delete`, { body: { hard: true } })).status, 200);
    assertApiError(await api(node(), 'GET', other), 404, 16);
    const again = await api(node(), 'POST', other, { body: { data: { created_by_id: 'cat' } } });
    assert.equal(again.body.created, true);
    assert.equal(again.body.call.created_by.id, 'cat');
    assert.deepEqual(again.body.call.custom, {});
    assert.deepEqual(again.body.members, [], 'old members went with the hard delete');
  });
});
