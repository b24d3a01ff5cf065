/** The store's optional guard against reading through the root connection inside a transaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';

describe('Store transaction-read check', () => {
  it('fails fast on store.read inside a transaction when enabled, and allows it outside', async () => {
    const store = new Store(await openDatabase({ kind: 'sqlite', file: ':memory:' }), { checkTransactionReads: true });
    try {
      await assert.rejects(
        store.transaction(async () => store.read.users.get('x')),
        /store\.read used inside a transaction/,
      );
      assert.equal(await store.read.users.get('x'), undefined);
      assert.equal(await store.transaction((tx) => tx.users.get('x')), undefined);
    } finally {
      await store.close();
    }
  });
});
