/** How the WebSocket cap sits under the node's TCP cap (realtime/realtime-options.ts `webSocketCap`): pure. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { webSocketCap } from '../../src/realtime/realtime-options.js';

it('keeps a tenth of the TCP cap (at least one connection) for plain HTTP, whatever the WebSocket setting', () => {
  assert.equal(webSocketCap(9_000, 10_000), 9_000);
  assert.equal(webSocketCap(20_000, 10_000), 9_000, 'a WebSocket setting over the TCP cap is cut down');
  assert.equal(webSocketCap(0, 10_000), 9_000, '0 means only the TCP bound');
  assert.equal(webSocketCap(50, 10_000), 50);
  assert.equal(webSocketCap(0, 10), 9);
  assert.equal(webSocketCap(0, 2), 1);
  assert.equal(webSocketCap(9_000, 0), 9_000, 'no TCP cap: the setting alone');
  assert.equal(webSocketCap(0, 0), 0, 'neither: unbounded');
});
