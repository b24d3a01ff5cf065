/**
 * Unknown keys inside call settings are refused (a typo such as `mic_default_onn` would otherwise be stored and
 * silently do nothing), on create, update and call type settings; unknown top-level request fields stay ignored.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertApiError } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

eachDatabase('settings_override unknown keys', (node) => {
  const call = '/api/v2/video/call/default/settings-typo';

  it('GetOrCreateCall refuses an unknown nested setting with code 4 naming the key, and creates nothing', async () => {
    const res = await raw(node(), 'POST', call, {
      body: { data: { created_by_id: 'typo-user', settings_override: { audio: { mic_default_onn: true } } } },
    });
    assertApiError(res, 400, 4, {
      field: 'data.settings_override.audio.mic_default_onn',
      operation: 'GetOrCreateCall',
      mentions: 'mic_default_onn',
    });
    assert.equal((await raw(node(), 'GET', call)).status, 404, 'nothing was written');
  });

  it('UpdateCall refuses unknown keys at every depth, known ones still apply', async () => {
    await raw(node(), 'POST', '/api/v2/users', { body: { users: { 'typo-user': { id: 'typo-user' } } } });
    const created = await raw(node(), 'POST', call, { body: { data: { created_by_id: 'typo-user' } } });
    assert.equal(created.body.created, true);
    const cases: [unknown, string][] = [
      [{ audioo: {} }, 'settings_override.audioo'],
      [{ video: { target_resolution: { widht: 640 } } }, 'settings_override.video.target_resolution.widht'],
      [{ broadcasting: { hls: { enabeld: true } } }, 'settings_override.broadcasting.hls.enabeld'],
    ];
    for (const [settings_override, field] of cases) {
      assertApiError(await raw(node(), 'PATCH', call, { body: { settings_override } }), 400, 4, {
        field,
        operation: 'UpdateCall',
      });
    }
    const ok = await raw(node(), 'PATCH', call, {
      body: { settings_override: { audio: { mic_default_on: true } }, some_future_field: 1 },
    });
    assert.equal(ok.status, 200, 'unknown top-level fields are still ignored');
    const settings = (ok.body.call as { settings: { audio: { mic_default_on: boolean } } }).settings;
    assert.equal(settings.audio.mic_default_on, true);
  });

  it('CreateCallType and UpdateCallType refuse unknown setting keys', async () => {
    const create = await raw(node(), 'POST', '/api/v2/video/calltypes', {
      body: { name: 'typo-type', settings: { ring: { auto_cancel_timeout: 1000 } } },
    });
    assertApiError(create, 400, 4, { field: 'settings.ring.auto_cancel_timeout', operation: 'CreateCallType' });
    const update = await raw(node(), 'PUT', '/api/v2/video/calltypes/default', {
      body: { settings: { screensharing: { enabeld: false } } },
    });
    assertApiError(update, 400, 4, { field: 'settings.screensharing.enabeld', operation: 'UpdateCallType' });
  });
});
