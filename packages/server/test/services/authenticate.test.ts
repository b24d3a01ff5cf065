/**
 * The Authenticator's memory of verified tokens, on a fake clock: a server token is known (accepted without a
 * promise) only after it was verified once, and only until its `exp` passes; then it is refused with code 40 like
 * any expired token.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@switchboard/protocol';
import { SignJWT } from 'jose';
import type { Clock } from '../../src/domain/clock.js';
import { ApiError } from '../../src/domain/errors.js';
import { Authenticator } from '../../src/services/authenticate.js';
import type { Store } from '../../src/store/store.js';

const SECRET = 'test-secret';

class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

function serverToken(expSeconds: number): Promise<string> {
  return new SignJWT({ server: true })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(expSeconds)
    .sign(new TextEncoder().encode(SECRET));
}

describe('Authenticator', () => {
  // Server tokens never read users, so no store is needed.
  const noStore = {} as Store;

  it('knows a server token only once verified, and only until it expires', async () => {
    const start = Date.UTC(2030, 0, 1);
    const clock = new FakeClock(start);
    const auth = new Authenticator('key', SECRET, noStore, clock);
    const token = await serverToken(start / 1000 + 60);

    assert.equal(auth.knownActor(token), undefined, 'not verified yet');
    assert.deepEqual(await auth.actorForToken(token), { kind: 'server' });
    assert.deepEqual(auth.knownActor(`Bearer ${token}`), { kind: 'server' });

    clock.ms = start + 61_000;
    assert.equal(auth.knownActor(token), undefined, 'expired while remembered');
    await assert.rejects(
      auth.actorForToken(token),
      (err: unknown) => err instanceof ApiError && err.code === ErrorCode.TokenExpired,
    );
  });

  it('judges exp by the node clock, not the wall clock', async () => {
    const past = Date.UTC(2001, 0, 1);
    const auth = new Authenticator('key', SECRET, noStore, new FakeClock(past));
    // Expired long ago by the wall clock, valid by the node's clock.
    const token = await serverToken(past / 1000 + 60);
    assert.deepEqual(await auth.actorForToken(token), { kind: 'server' });
  });
});
