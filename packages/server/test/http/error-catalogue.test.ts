/**
 * The error catalogue is one list: every code is in the SDK guide's errors table (docs/sdk.md "Errors") and
 * the API reference's (docs/api.md "Errors"). (The OpenAPI document's code enum is generated from the same list, so comparing the two
 * could never fail; it is not tested here.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ErrorCode, HttpStatusByErrorCode } from '@switchboard/protocol';

const guide = readFileSync(new URL('../../../../docs/sdk.md', import.meta.url), 'utf8');
const reference = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');

it('the docs/sdk.md and docs/api.md errors tables have every code with its HTTP status', () => {
  for (const code of Object.values(ErrorCode)) {
    const row = new RegExp(`^\\| ${code} \\| .+ \\| ${HttpStatusByErrorCode[code]} \\|$`, 'm');
    assert.match(guide, row, `docs/sdk.md row for code ${code}`);
    assert.match(reference, row, `docs/api.md row for code ${code}`);
  }
});
