/**
 * The error catalogue is one list: every code is in the OpenAPI document, the README's errors table and the API
 * reference's (docs/api.md "Errors").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ErrorCode, HttpStatusByErrorCode } from '@switchboard/protocol';
import { eachDatabase } from '../support/each-database.js';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
const reference = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');

eachDatabase('error catalogue', (node) => {
  it('the OpenAPI APIError schema lists exactly the catalogue codes', async () => {
    const doc = (await (await fetch(new URL('/openapi.json', node().baseUrl))).json()) as {
      components: { schemas: { APIError: { properties: { code: { enum: number[] } } } } };
    };
    assert.deepEqual([...doc.components.schemas.APIError.properties.code.enum].sort(), Object.values(ErrorCode).sort());
  });

  it('the README and docs/api.md errors tables have every code with its HTTP status', () => {
    for (const code of Object.values(ErrorCode)) {
      const row = new RegExp(`^\\| ${code} \\| .+ \\| ${HttpStatusByErrorCode[code]} \\|$`, 'm');
      assert.match(readme, row, `README row for code ${code}`);
      assert.match(reference, row, `docs/api.md row for code ${code}`);
    }
  });
});
