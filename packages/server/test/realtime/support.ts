/**
 * Realtime test support: a suite per dialect on a node with realtime options, and a raw `ws` client that speaks
 * the wire shapes of docs/api.md "Realtime connection" (never our SDK, so the protocol itself is what is tested).
 *
 * Absence without sleeping: `barrier()` sends a health check and waits for its answer. Messages on one socket
 * arrive in the order the server wrote them, so once an event has reached some other recipient (the server
 * writes an event to all its recipients at once), anything that was meant for this socket arrived before the
 * barrier's answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import WebSocket from 'ws';
import type { RealtimeOptions } from '../../src/realtime/realtime-options.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode, type TestNodeOptions } from '../support/test-node.js';

const dialects = await testDialects();

/** Health checks far apart unless a suite asks otherwise, so server pings never interleave with barriers. */
const QUIET: Partial<RealtimeOptions> = { healthCheckIntervalMs: 3_600_000, idleTimeoutMs: 3_600_000 };

export function eachRealtimeDatabase(
  name: string,
  options: Partial<RealtimeOptions>,
  body: (node: () => TestNode) => void,
  nodeOptions: Omit<TestNodeOptions, 'realtime'> = {},
): void {
  for (const dialect of dialects) {
    describe(`${name} [${dialect}]`, () => {
      let current: TestNode | undefined;
      before(async () => {
        current = await startTestNode(dialect, { ...nodeOptions, realtime: { ...QUIET, ...options } });
      });
      after(async () => {
        await current?.stop();
      });
      body(() => {
        if (!current) throw new Error('test node not started');
        return current;
      });
    });
  }
}

/** Any JSON message the server sent. */
export type Message = { type: string; [field: string]: unknown };

export interface OpenOptions {
  path?: string;
  apiKey?: string | null;
}

export interface ConnectOptions extends OpenOptions {
  token?: string;
  details?: Record<string, unknown>;
}

export class TestSocket {
  readonly received: Message[] = [];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  connectionId = '';
  private readonly listeners = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Message);
      for (const notify of [...this.listeners]) notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const notify of [...this.listeners]) notify();
      });
    });
  }

  /** Opens the socket without authenticating. */
  static async open(t: TestNode, options: OpenOptions = {}): Promise<TestSocket> {
    const url = new URL(options.path ?? '/video/connect', t.baseUrl.replace(/^http/, 'ws'));
    const apiKey = options.apiKey === undefined ? t.apiKey : options.apiKey;
    if (apiKey !== null) url.searchParams.set('api_key', apiKey);
    url.searchParams.set('stream-auth-type', 'jwt');
    const ws = new WebSocket(url);
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  /** Opens, authenticates as `userId` and waits for `connection.ok`. */
  static async connect(t: TestNode, userId: string, options: ConnectOptions = {}): Promise<TestSocket> {
    const socket = await TestSocket.open(t, options);
    socket.send({
      token: options.token ?? (await t.userToken(userId)),
      products: ['video'],
      user_details: { id: userId, ...options.details },
    });
    const ok = await socket.next((m) => m.type === 'connection.ok' || m.type === 'connection.error', 'handshake');
    assert.equal(ok.type, 'connection.ok', JSON.stringify(ok));
    socket.connectionId = ok.connection_id as string;
    return socket;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (already received or still to come) matching `match`. */
  next(match: (m: Message) => boolean, what: string, timeoutMs = 5000): Promise<Message> {
    return this.until(() => this.received.find(match), what, timeoutMs);
  }

  /** Waits for a call event of this type (and cid, when given). */
  event(type: string, cid?: string, timeoutMs = 5000): Promise<CallEvent & Message> {
    const match = (m: Message) => m.type === type && (cid === undefined || m.call_cid === cid);
    return this.next(match, `${type}${cid ? ` of ${cid}` : ''}`, timeoutMs) as Promise<CallEvent & Message>;
  }

  /** Call events received so far, optionally of one call. */
  events(cid?: string): (CallEvent & Message)[] {
    return this.received.filter(
      (m): m is CallEvent & Message => typeof m.call_cid === 'string' && (cid === undefined || m.call_cid === cid),
    );
  }

  /** Waits until every message the server wrote to this socket before now has arrived; returns them all. */
  async barrier(): Promise<Message[]> {
    const seen = this.received.filter((m) => m.type === 'health.check').length;
    this.send([{ type: 'health.check', client_id: 'barrier' }]);
    await this.until(
      () => (this.received.filter((m) => m.type === 'health.check').length > seen ? true : undefined),
      'barrier',
      5000,
    );
    return [...this.received];
  }

  /** Asserts that no call event of `cid` matching `match` reached this socket (after a barrier). */
  async assertNoEvent(cid: string, match: (m: Message) => boolean = () => true, what = 'event'): Promise<void> {
    await this.barrier();
    const got = this.events(cid).filter(match);
    assert.deepEqual(
      got.map((m) => m.type),
      [],
      `${what}: expected none for ${cid}`,
    );
  }

  async close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }

  private until<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const found = check();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        const types = this.received.map((m) => m.type).join(', ');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: [${types}]`));
      }, timeoutMs);
      const listener = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(value);
      };
      this.listeners.add(listener);
    });
  }
}

/** Polls `check` until it returns something other than undefined/false (for server-side state). */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let counter = 0;
/** A unique id per test (each suite shares one node). */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates users with a server token. */
export async function seedUsers(t: TestNode, ...ids: string[]): Promise<void> {
  const res = await raw(t, 'POST', '/api/v2/users', {
    body: { users: Object.fromEntries(ids.map((id) => [id, { id }])) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** HTTP as a user (user token), on the browser path family. */
export async function asUser(
  t: TestNode,
  userId: string,
  method: string,
  path: string,
  body?: unknown,
  query?: Record<string, string>,
) {
  return raw(t, method, path, {
    token: await t.userToken(userId),
    ...(body !== undefined ? { body } : {}),
    ...(query ? { query } : {}),
  });
}

/** Creates `<type>:<id>` as `creator` with these members (`extra.data` merged into the call data). */
export async function createCall(
  t: TestNode,
  creator: string,
  members: string[],
  extra: Record<string, unknown> = {},
  type = 'default',
): Promise<{ cid: string; id: string; path: string }> {
  const id = uid('call');
  const path = `/video/call/${type}/${id}`;
  const { data, ...rest } = extra as { data?: Record<string, unknown> };
  const res = await asUser(t, creator, 'POST', path, {
    data: { ...data, members: members.map((user_id) => ({ user_id })) },
    ...rest,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { cid: `${type}:${id}`, id, path };
}
