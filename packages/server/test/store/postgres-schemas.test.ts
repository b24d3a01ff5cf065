/**
 * Two Switchboard databases side by side in one PostgreSQL database (schemas: tenants, parallel test runs): each
 * node migrates its own schema even while another schema already holds migration bookkeeping tables.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode } from '../support/test-node.js';

const postgres = (await testDialects()).includes('postgres');

it(
  'a node starts on a fresh schema while another schema is migrated',
  { skip: !postgres && 'PostgreSQL unreachable' },
  async () => {
    const first = await startTestNode('postgres');
    try {
      const second = await startTestNode('postgres');
      try {
        const res = await raw(second, 'GET', '/api/v2/video/calltypes');
        assert.equal(res.status, 200);
        assert.ok('default' in (res.body.call_types as object));
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  },
);
