/**
 * Assertions on the wire shapes of docs/api.md, shared by the raw-HTTP tests: the error body every failure answers
 * with, and RFC 3339 timestamps.
 */
import assert from 'node:assert/strict';
import type { Call } from '@switchboard/protocol';
import { type RawResponse, raw } from './raw-http.js';
import type { TestNode } from './test-node.js';

/** RFC 3339 UTC with milliseconds, as every timestamp of the API is written. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const DURATION = /^\d+(\.\d+)?ms$/;

export interface ExpectedError {
  /** The field `exception_fields` must name. */
  field?: string;
  /** The operation the message must start with (`GetOrCreateCall failed with error: "..."`). */
  operation?: string;
  /** A fragment the message must contain. */
  mentions?: string;
}

/**
 * Asserts `res` is the API error JSON (docs/api.md "Errors") with this HTTP status and code: `code`, a message of the
 * form `<Operation> failed with error: "<detail>"`, `StatusCode` equal to the HTTP status, `duration`,
 * `more_info`, `details`.
 */
export function assertApiError(res: RawResponse, status: number, code: number, expected: ExpectedError = {}): void {
  const { body } = res;
  const context = JSON.stringify(body);
  assert.equal(res.status, status, `HTTP status; body ${context}`);
  assert.equal(body.code, code, `code; body ${context}`);
  assert.equal(body.StatusCode, status, 'StatusCode repeats the HTTP status');
  assert.equal(typeof body.message, 'string');
  const match = /^([A-Za-z]+) failed with error: "(.+)"$/s.exec(body.message as string);
  assert.ok(match, `message format: ${String(body.message)}`);
  if (expected.operation) assert.equal(match[1], expected.operation, 'operation in message');
  if (expected.mentions) assert.ok(match[2]?.includes(expected.mentions), `message mentions ${expected.mentions}`);
  assert.match(String(body.duration), DURATION);
  assert.equal(typeof body.more_info, 'string');
  assert.deepEqual(body.details, []);
  if (expected.field) {
    const fields = body.exception_fields as Record<string, string> | undefined;
    assert.ok(fields, `exception_fields present; body ${context}`);
    assert.ok(
      Object.hasOwn(fields, expected.field),
      `exception_fields names ${expected.field}: ${JSON.stringify(fields)}`,
    );
  }
}

export interface OutboxEntry {
  /** The row's columns. */
  type: string;
  cid: string | null;
  /** The stored event JSON. */
  event: { type: string; created_at: string; call_cid: string; call: Call; [field: string]: unknown };
}

/** Every outbox row, oldest first, with its payload parsed. */
export async function outbox(t: TestNode): Promise<OutboxEntry[]> {
  const rows = await t.node.ctx.store.read.outbox.list();
  return rows.map((r) => ({ type: r.event_type, cid: r.call_cid, event: JSON.parse(r.payload) }));
}

/** Upserts users with a server token over raw HTTP (suites seed their own, each node has a fresh database). */
export async function seedUsers(t: TestNode, ...ids: string[]): Promise<void> {
  const users = Object.fromEntries(ids.map((id) => [id, { id }]));
  const res = await raw(t, 'POST', '/api/v2/users', { body: { users } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}
