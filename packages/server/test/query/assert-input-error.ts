import assert from 'node:assert/strict';
import { ApiError } from '../../src/domain/errors.js';

/** Asserts `fn` throws an input error (code 4) naming `field`, and optionally that the message mentions `mention`. */
export function assertInputError(fn: () => unknown, field: string, mention?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    assert.equal(error.code, 4);
    assert.ok(
      error.exceptionFields && field in error.exceptionFields,
      `expected field ${field}, got ${JSON.stringify(error.exceptionFields)} (${error.message})`,
    );
    if (mention) assert.match(error.message, mention);
    return true;
  });
}

export async function assertRejectsInput(fn: () => Promise<unknown>, field: string, mention?: RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof ApiError && error.code === 4, `expected input error, got ${String(error)}`);
    assert.ok(error.exceptionFields && field in error.exceptionFields, `expected field ${field}: ${error.message}`);
    if (mention) assert.match(error.message, mention);
    return true;
  });
}
