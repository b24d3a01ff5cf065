/** Helpers of the adversarial suites: hostile JSON built as text (JSON.stringify itself overflows on it). */
import assert from 'node:assert/strict';
import { type Message, TestSocket } from '../realtime/support.js';
import { TIMESTAMP } from '../support/api-assert.js';
import type { TestNode } from '../support/test-node.js';

/** `{"a":{"a":…1…}}` nested `depth` objects deep, as JSON text. */
export function deepObjectText(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The WebSocket handshake's refusal: `connection.error` with this code, then close 1000. */
export async function handshakeRefused(socket: TestSocket, code: number, field?: string): Promise<Message> {
  const message = await socket.next((m) => m.type === 'connection.error', 'connection.error');
  const body = message.error as Record<string, unknown>;
  assert.equal(body.code, code, JSON.stringify(body));
  assert.match(String(body.message), /^Connect failed with error: ".+"$/s);
  assert.match(String(message.created_at), TIMESTAMP);
  if (field) {
    const fields = body.exception_fields as Record<string, string> | undefined;
    assert.ok(fields && Object.hasOwn(fields, field), `exception_fields names ${field}: ${JSON.stringify(body)}`);
  }
  assert.equal((await socket.closed).code, 1000, 'a refused handshake closes with 1000');
  return message;
}

/** Opens a socket and sends `text` verbatim as the first message. */
export async function handshakeWith(t: TestNode, text: string): Promise<TestSocket> {
  const socket = await TestSocket.open(t);
  socket.ws.send(text);
  return socket;
}
