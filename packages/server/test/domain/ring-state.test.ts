/** The ring state machine (domain/ring): pure, driven by a fake clock (plain numbers). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  nextDeadline,
  type RingInput,
  type RingState,
  ringAgain,
  ringingCallees,
  startRing,
  stepRing,
} from '../../src/domain/ring/ring-state.js';

const T0 = 1_000_000;
const timeouts = { autoCancelMs: 15_000, incomingMs: 20_000 };

/** A fake clock: time only moves when the test says so. */
class FakeClock {
  constructor(public now = T0) {}
  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }
}

function ring(callees = ['bob', 'carol'], t = timeouts): RingState {
  return startRing('session-1', 'alice', callees, t, T0);
}

function run(state: RingState, clock: FakeClock, ...inputs: RingInput[]) {
  const effects = [];
  let current = state;
  for (const input of inputs) {
    const step = stepRing(current, input, clock.now);
    current = step.state;
    effects.push(...step.effects);
  }
  return { state: current, effects };
}

describe('ring state machine', () => {
  it('starts with every callee but the caller ringing', () => {
    const state = startRing('s', 'alice', ['alice', 'bob', 'carol'], timeouts, T0);
    assert.deepEqual(ringingCallees(state), ['bob', 'carol']);
    assert.equal(state.outcome, undefined);
  });

  it('ends answered once every callee answered and one accepted', () => {
    const clock = new FakeClock();
    const { state, effects } = run(
      ring(),
      clock,
      { kind: 'accept', userId: 'bob' },
      { kind: 'reject', userId: 'carol' },
    );
    assert.equal(state.callees.get('bob'), 'accepted');
    assert.equal(state.callees.get('carol'), 'rejected');
    assert.deepEqual(effects, [{ kind: 'ended', outcome: 'answered' }]);
    assert.equal(nextDeadline(state), undefined);
  });

  it('ends rejected when every callee rejects', () => {
    const clock = new FakeClock();
    const first = run(ring(), clock, { kind: 'reject', userId: 'bob' });
    assert.deepEqual(first.effects, [], 'carol is still ringing');
    const second = run(first.state, clock, { kind: 'reject', userId: 'carol' });
    assert.deepEqual(second.effects, [{ kind: 'ended', outcome: 'rejected' }]);
    assert.equal(second.state.outcome, 'rejected');
  });

  it('treats the caller rejecting as cancel: ringing callees missed it', () => {
    const clock = new FakeClock();
    const { state, effects } = run(
      ring(),
      clock,
      { kind: 'reject', userId: 'bob' },
      { kind: 'reject', userId: 'alice' },
    );
    assert.deepEqual(effects, [
      { kind: 'missed', userIds: ['carol'] },
      { kind: 'ended', outcome: 'cancelled' },
    ]);
    assert.equal(state.callees.get('bob'), 'rejected');
  });

  it('ignores answers from strangers, the caller accepting, and second answers', () => {
    const clock = new FakeClock();
    const start = ring();
    const { state, effects } = run(
      start,
      clock,
      { kind: 'accept', userId: 'mallory' },
      { kind: 'accept', userId: 'alice' },
      { kind: 'reject', userId: 'bob' },
      { kind: 'accept', userId: 'bob' },
    );
    assert.deepEqual(effects, []);
    assert.equal(state.callees.get('bob'), 'rejected');
    assert.equal(state.callees.get('mallory'), undefined);
  });

  it('auto-cancels at auto_cancel_timeout_ms when nobody accepted', () => {
    const clock = new FakeClock();
    const start = ring();
    assert.equal(nextDeadline(start), T0 + 15_000, 'the earlier of the two deadlines');
    clock.advance(14_999);
    assert.deepEqual(run(start, clock, { kind: 'tick' }).effects, [], 'not yet');
    clock.advance(1);
    const { state, effects } = run(start, clock, { kind: 'tick' });
    assert.deepEqual(effects, [
      { kind: 'missed', userIds: ['bob', 'carol'] },
      { kind: 'ended', outcome: 'unanswered' },
    ]);
    assert.equal(state.outcome, 'unanswered');
  });

  it('after an accept, only incoming_call_timeout_ms applies to those still ringing', () => {
    const clock = new FakeClock();
    const accepted = run(ring(), clock, { kind: 'accept', userId: 'bob' }).state;
    assert.equal(nextDeadline(accepted), T0 + 20_000);
    clock.advance(15_000);
    assert.deepEqual(run(accepted, clock, { kind: 'tick' }).effects, [], 'auto-cancel no longer applies');
    clock.advance(5_000);
    const { effects } = run(accepted, clock, { kind: 'tick' });
    assert.deepEqual(effects, [
      { kind: 'missed', userIds: ['carol'] },
      { kind: 'ended', outcome: 'answered' },
    ]);
  });

  it('misses at incoming_call_timeout_ms when it is the shorter one', () => {
    const clock = new FakeClock();
    const start = ring(['bob'], { autoCancelMs: 60_000, incomingMs: 500 });
    assert.equal(nextDeadline(start), T0 + 500);
    clock.advance(500);
    assert.deepEqual(run(start, clock, { kind: 'tick' }).effects, [
      { kind: 'missed', userIds: ['bob'] },
      { kind: 'ended', outcome: 'unanswered' },
    ]);
  });

  it('never times out when both timeouts are 0', () => {
    const clock = new FakeClock();
    const start = ring(['bob'], { autoCancelMs: 0, incomingMs: 0 });
    assert.equal(nextDeadline(start), undefined);
    clock.advance(10 * 60_000);
    assert.deepEqual(run(start, clock, { kind: 'tick' }).effects, []);
  });

  it('an ended ring ignores every input', () => {
    const clock = new FakeClock();
    const ended = run(ring(['bob']), clock, { kind: 'reject', userId: 'bob' }).state;
    clock.advance(60_000);
    assert.deepEqual(run(ended, clock, { kind: 'tick' }, { kind: 'accept', userId: 'bob' }).effects, []);
  });

  it('ringing again re-rings callees and restarts the deadlines', () => {
    const clock = new FakeClock();
    const first = run(ring(), clock, { kind: 'reject', userId: 'bob' }).state;
    const again = ringAgain(first, ['bob', 'dave'], timeouts, clock.advance(10_000));
    assert.deepEqual(ringingCallees(again).sort(), ['bob', 'carol', 'dave']);
    assert.equal(nextDeadline(again), T0 + 10_000 + 15_000);
    const ended = run(ring(['bob']), clock, { kind: 'reject', userId: 'bob' }).state;
    const fresh = ringAgain(ended, ['carol'], timeouts, clock.now);
    assert.equal(fresh.outcome, undefined);
    assert.deepEqual([...fresh.callees.keys()], ['carol'], 'an ended ring is replaced');
  });

  describe('callees named after Object.prototype members', () => {
    const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

    it('ring, answer and count like any callee', () => {
      const clock = new FakeClock();
      const start = ring(HOSTILE);
      assert.deepEqual(ringingCallees(start), HOSTILE);
      const { state, effects } = run(
        start,
        clock,
        { kind: 'accept', userId: '__proto__' },
        { kind: 'reject', userId: 'constructor' },
        { kind: 'accept', userId: 'toString' },
      );
      assert.deepEqual(
        [...state.callees],
        [
          ['__proto__', 'accepted'],
          ['constructor', 'rejected'],
          ['toString', 'accepted'],
          ['hasOwnProperty', 'ringing'],
        ],
      );
      assert.deepEqual(effects, []);
      clock.advance(20_000);
      assert.deepEqual(run(state, clock, { kind: 'tick' }).effects, [
        { kind: 'missed', userIds: ['hasOwnProperty'] },
        { kind: 'ended', outcome: 'answered' },
      ]);
    });

    it('a lone __proto__ callee rings, times out and misses the call', () => {
      const clock = new FakeClock();
      const start = ring(['__proto__']);
      assert.deepEqual(ringingCallees(start), ['__proto__']);
      assert.equal(nextDeadline(start), T0 + 15_000);
      clock.advance(15_000);
      assert.deepEqual(run(start, clock, { kind: 'tick' }).effects, [
        { kind: 'missed', userIds: ['__proto__'] },
        { kind: 'ended', outcome: 'unanswered' },
      ]);
    });

    it('answers from users named so who were not rung change nothing', () => {
      const clock = new FakeClock();
      const start = ring(['bob']);
      const { state, effects } = run(
        start,
        clock,
        ...HOSTILE.map((userId): RingInput => ({ kind: 'accept', userId })),
        { kind: 'reject', userId: 'bob' },
      );
      assert.deepEqual([...state.callees], [['bob', 'rejected']]);
      assert.deepEqual(
        effects,
        [{ kind: 'ended', outcome: 'rejected' }],
        'nobody accepted: `constructor` is no answer',
      );
    });
  });
});
