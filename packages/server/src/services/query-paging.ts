/**
 * Glue between the query services and the query engine (store/query/): the key that signs cursors, and a page's
 * cursors as response fields.
 *
 * The cursor key is derived from the app secret (HMAC with a fixed label) rather than being the secret itself, so
 * a cursor's MAC is never computed with the key that signs tokens. Every node of an app derives the same key, so a
 * cursor issued by one node pages on any other; rotating the app secret invalidates outstanding cursors.
 */
import { createHmac } from 'node:crypto';
import type { QueryPageCursors } from '@switchboard/protocol';
import type { Page } from '../store/query/run-page.js';
import type { ServiceConfig } from './context.js';

const DOMAIN = 'switchboard-cursor';

// Memoised per config object (one per node), not a global: two nodes in one process keep their own keys.
const derived = new WeakMap<ServiceConfig, string>();

export function cursorSecret(config: ServiceConfig): string {
  let key = derived.get(config);
  if (key === undefined) {
    key = createHmac('sha256', config.apiSecret).update(DOMAIN).digest('hex');
    derived.set(config, key);
  }
  return key;
}

/** A page's cursors as response fields: `next` absent on the last page, `prev` on the first. */
export function pageCursors(page: Page<unknown>): QueryPageCursors {
  const cursors: QueryPageCursors = {};
  if (page.next) cursors.next = page.next;
  if (page.prev) cursors.prev = page.prev;
  return cursors;
}
