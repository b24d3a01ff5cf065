/**
 * A media join is decided against the call as it is once no decision about the call (kick, block, leave, end)
 * arrived while the coordinator answered; a call still changing in the last round refuses the join instead of
 * admitting it on an answer that may be stale.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SfuErrorCode } from '@switchboard/protocol/sfu';
import { AdmissionRounds } from '../../src/media/admission-rounds.js';
import { MediaRefused } from '../../src/services/media-admission.js';

it('a call that did not change during the answer is decided in one round', async () => {
  const rounds = new AdmissionRounds(3);
  let asked = 0;
  const decision = await rounds.decide('default:a', async () => ++asked);
  assert.equal(decision, 1);
  assert.equal(asked, 1);
  assert.equal(rounds.inFlight, 0, 'nothing kept once decided');
});

it('a change during a round asks again, and the first stable answer is the decision', async () => {
  const rounds = new AdmissionRounds(3);
  let asked = 0;
  const decision = await rounds.decide('default:b', async () => {
    asked++;
    if (asked < 3) rounds.changed('default:b');
    return asked;
  });
  assert.equal(decision, 3, 'the answer of the round that saw no change');
});

it('a call changing in every round, the last included, refuses the join', async () => {
  const rounds = new AdmissionRounds(3);
  let asked = 0;
  await assert.rejects(
    rounds.decide('default:c', async () => {
      asked++;
      rounds.changed('default:c');
      return 'admitted';
    }),
    (err: unknown) => err instanceof MediaRefused && err.code === SfuErrorCode.JoinRefused,
  );
  assert.equal(asked, 3, 'asked at most three times');
  assert.equal(rounds.inFlight, 0);
});

it('changes of another call do not make a join decide again', async () => {
  const rounds = new AdmissionRounds(3);
  let asked = 0;
  await rounds.decide('default:d', async () => {
    asked++;
    rounds.changed('default:other');
  });
  assert.equal(asked, 1);
});

it('a refusal of the coordinator passes through and leaves nothing behind', async () => {
  const rounds = new AdmissionRounds(3);
  await assert.rejects(
    rounds.decide('default:e', async () => {
      throw new MediaRefused(SfuErrorCode.CallEnded, 'ended');
    }),
    (err: unknown) => err instanceof MediaRefused && err.code === SfuErrorCode.CallEnded,
  );
  assert.equal(rounds.inFlight, 0);
});
