/** The SDK's resume point and repeat filter (src/realtime/seen-events.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeenEvents } from '../src/realtime/seen-events.js';

describe('SeenEvents', () => {
  it('passes each id once and resumes from the last new one', () => {
    const seen = new SeenEvents();
    assert.equal(seen.lastEventId, undefined);
    assert.equal(seen.accept('a'), true);
    assert.equal(seen.accept('b'), true);
    assert.equal(seen.accept('a'), false, 'a repeat is dropped');
    assert.equal(seen.lastEventId, 'b', 'a repeat does not move the resume point');
    assert.equal(seen.accept(undefined), true);
  });

  it("takes connection.ok's anchor only before any event; a resync resumes from the new connection's anchor", () => {
    const seen = new SeenEvents();
    seen.anchor('ok-1');
    assert.equal(seen.lastEventId, 'ok-1');
    seen.accept('e1');
    seen.anchor('ok-2');
    assert.equal(seen.lastEventId, 'e1');
    seen.resynced('ok-3');
    assert.equal(seen.lastEventId, 'ok-3');
  });

  it('remembers a bounded number of ids, oldest forgotten first', () => {
    const seen = new SeenEvents(2);
    seen.accept('a');
    seen.accept('b');
    seen.accept('c');
    assert.equal(seen.accept('a'), true, 'forgotten');
    assert.equal(seen.accept('c'), false);
  });
});
