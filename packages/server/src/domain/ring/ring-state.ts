/**
 * The ring state machine: one ring of a call, from `call.ring` until nobody is ringing any more. Pure: the caller
 * passes the time in and applies the returned effects (events, session writes, timers); nothing here does I/O.
 *
 * Rules (Switchboard's choices where the reference is silent, also listed in docs/api.md "Behaviour choices"):
 * - Every callee starts `ringing` and answers at most once: `accepted` or `rejected`. Answers from the caller or
 *   from users who were not rung, and second answers, change nothing here (the service still emits the event).
 * - The caller rejecting means "cancel": every callee still ringing has missed the call and the ring ends.
 * - `incoming_call_timeout_ms` (callee side): a callee still ringing that long after the ring started has missed it.
 * - `auto_cancel_timeout_ms` (caller side): if nobody accepted that long after the ring started, every callee still
 *   ringing has missed it and the ring ends, even if the incoming timeout is longer.
 * - A timeout of 0 means "no timeout" on that side.
 * - The ring ends when nobody is ringing. Its outcome: `answered` if anybody accepted, otherwise `rejected` (all
 *   rejected), `cancelled` (the caller cancelled) or `unanswered` (timeouts).
 *
 * Callees are a Map, never a plain object keyed by user id: user ids are client-chosen, and on an object the
 * callee `__proto__` would set the prototype instead of ringing, and `constructor` would always have a status.
 */

export type CalleeStatus = 'ringing' | 'accepted' | 'rejected' | 'missed';
export type RingOutcome = 'answered' | 'rejected' | 'cancelled' | 'unanswered';

export interface RingTimeouts {
  /** Caller side, ms after the ring started; 0 = never. */
  autoCancelMs: number;
  /** Callee side, ms after the ring started; 0 = never. */
  incomingMs: number;
}

export interface RingState {
  readonly sessionId: string;
  readonly callerId: string;
  /** Epoch milliseconds when the ring (re)started; deadlines count from here. */
  readonly startedAt: number;
  readonly timeouts: RingTimeouts;
  readonly callees: ReadonlyMap<string, CalleeStatus>;
  /** Set once the ring has ended; an ended ring ignores every input. */
  readonly outcome?: RingOutcome;
}

export type RingInput = { kind: 'accept'; userId: string } | { kind: 'reject'; userId: string } | { kind: 'tick' };

export type RingEffect =
  /** These callees did not answer in time (or the caller cancelled while they were ringing). */
  { kind: 'missed'; userIds: string[] } | { kind: 'ended'; outcome: RingOutcome };

export interface RingStep {
  state: RingState;
  effects: RingEffect[];
}

export function startRing(
  sessionId: string,
  callerId: string,
  calleeIds: readonly string[],
  timeouts: RingTimeouts,
  now: number,
): RingState {
  const callees = new Map<string, CalleeStatus>();
  for (const id of calleeIds) if (id !== callerId) callees.set(id, 'ringing');
  return { sessionId, callerId, startedAt: now, timeouts, callees };
}

/**
 * Rings again within the same ring: the given callees ring (again) and the deadlines restart. An ended ring is
 * replaced by a fresh one.
 */
export function ringAgain(
  state: RingState,
  calleeIds: readonly string[],
  timeouts: RingTimeouts,
  now: number,
): RingState {
  if (state.outcome !== undefined) return startRing(state.sessionId, state.callerId, calleeIds, timeouts, now);
  const callees = new Map(state.callees);
  for (const id of calleeIds) if (id !== state.callerId) callees.set(id, 'ringing');
  return { ...state, startedAt: now, timeouts, callees };
}

export function ringingCallees(state: RingState): string[] {
  return [...state.callees].flatMap(([id, status]) => (status === 'ringing' ? [id] : []));
}

function anyAccepted(state: RingState): boolean {
  return [...state.callees.values()].includes('accepted');
}

/** The next time `tick` can change something, or undefined when no timer is needed. */
export function nextDeadline(state: RingState): number | undefined {
  if (state.outcome !== undefined || ringingCallees(state).length === 0) return undefined;
  const { autoCancelMs, incomingMs } = state.timeouts;
  const candidates: number[] = [];
  if (incomingMs > 0) candidates.push(state.startedAt + incomingMs);
  if (autoCancelMs > 0 && !anyAccepted(state)) candidates.push(state.startedAt + autoCancelMs);
  return candidates.length ? Math.min(...candidates) : undefined;
}

export function stepRing(state: RingState, input: RingInput, now: number): RingStep {
  if (state.outcome !== undefined) return { state, effects: [] };
  switch (input.kind) {
    case 'accept':
      return answer(state, input.userId, 'accepted');
    case 'reject':
      if (input.userId === state.callerId) return missRinging(state, 'cancelled');
      return answer(state, input.userId, 'rejected');
    case 'tick':
      return tick(state, now);
  }
}

function answer(state: RingState, userId: string, status: 'accepted' | 'rejected'): RingStep {
  if (state.callees.get(userId) !== 'ringing') return { state, effects: [] };
  const next: RingState = { ...state, callees: new Map(state.callees).set(userId, status) };
  return endIfSilent(next, [], anyAccepted(next) ? 'answered' : 'rejected');
}

function tick(state: RingState, now: number): RingStep {
  const { autoCancelMs, incomingMs } = state.timeouts;
  const elapsed = now - state.startedAt;
  const cancelled = autoCancelMs > 0 && elapsed >= autoCancelMs && !anyAccepted(state);
  const timedOut = incomingMs > 0 && elapsed >= incomingMs;
  if (!cancelled && !timedOut) return { state, effects: [] };
  return missRinging(state, 'unanswered');
}

/** Every callee still ringing has missed the call; the ring ends. */
function missRinging(state: RingState, outcomeIfNobodyAccepted: RingOutcome): RingStep {
  const missed = ringingCallees(state);
  const callees = new Map(state.callees);
  for (const id of missed) callees.set(id, 'missed');
  const next: RingState = { ...state, callees };
  const effects: RingEffect[] = missed.length ? [{ kind: 'missed', userIds: missed }] : [];
  return endIfSilent(next, effects, anyAccepted(next) ? 'answered' : outcomeIfNobodyAccepted);
}

function endIfSilent(state: RingState, effects: RingEffect[], outcome: RingOutcome): RingStep {
  if (ringingCallees(state).length > 0) return { state, effects };
  return { state: { ...state, outcome }, effects: [...effects, { kind: 'ended', outcome }] };
}
