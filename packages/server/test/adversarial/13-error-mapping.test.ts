/**
 * Finding 13 (the error-mapping part): any SyntaxError was answered as the client's 400 "invalid JSON" with the
 * parser's text, even when the JSON at fault was the server's own (a corrupt stored column). Only the request's
 * own JSON is a 400 now; anything else is a logged, generic 500. (The secret printed on every start is covered
 * by test/cli/start.test.ts.)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { uid } from '../realtime/support.js';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

eachDatabase('adversarial: SyntaxError mapping', (node) => {
  it("a corrupt stored column is a generic 500, the client's malformed JSON a 400", async () => {
    const t = node();
    const owner = uid('owner');
    await seedUsers(t, owner);
    const callId = uid('corrupt');
    const path = `/api/v2/video/call/default/${callId}`;
    const created = await raw(t, 'POST', path, { body: { data: { created_by_id: owner } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await t.node.ctx.store.db
      .updateTable('calls')
      .set({ custom: '{"broken": tru' })
      .where('cid', '=', `default:${callId}`)
      .execute();
    t.node.ctx.snapshots.clear();

    const got = await raw(t, 'GET', path);
    assertApiError(got, 500, -1, { operation: 'GetCall' });
    assert.equal(got.body.message, 'GetCall failed with error: "internal error"', 'reveals nothing internal');
    assert.equal(got.body.exception_fields, undefined);

    const malformed = await raw(t, 'POST', `/api/v2/video/call/default/${uid('other')}`, { body: '{"data": tru' });
    assertApiError(malformed, 400, 4, { field: 'body', mentions: 'invalid JSON' });
  });
});
