/**
 * The realtime router's per-call order (realtime/event-router.ts), on its own: events of one call reach a
 * connection in publish order even when an earlier event waits for a member lookup and a later one needs none
 * (a ring lists its callees). The router runs with a real registry and real connections over an in-memory
 * socket; only the member lookup is held back, by a promise the test releases.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import pino from 'pino';
import type { WebSocket } from 'ws';
import { Connection } from '../../src/realtime/connection.js';
import { ConnectionRegistry } from '../../src/realtime/connection-registry.js';
import { EventRouter } from '../../src/realtime/event-router.js';
import { MemberDirectory } from '../../src/realtime/member-directory.js';
import type { WatchAccess } from '../../src/realtime/watch-access.js';
import type { Repositories } from '../../src/store/store.js';

/** What a `ws` socket does for a connection that is written to: records the frames. */
class RecordingSocket extends EventEmitter {
  readonly frames: string[] = [];
  bufferedAmount = 0;
  send(data: Buffer): void {
    this.frames.push(data.toString());
  }
  close(): void {
    this.emit('close');
  }
}

/** A member directory whose lookups wait until the test releases them. */
class HeldMemberDirectory extends MemberDirectory {
  lookups = 0;
  private readonly held: Promise<void>;
  release!: () => void;
  constructor(private readonly ids: string[]) {
    super({} as Repositories);
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }
  override async members(): Promise<ReadonlySet<string>> {
    this.lookups++;
    await this.held;
    return new Set(this.ids);
  }
}

const CID = 'default:order';
const call = { cid: CID, blocked_user_ids: [] };
const user = (id: string) => ({ id, role: 'user', custom: {} });

it('delivers a ring after the earlier event of its call that waited for a member lookup', async () => {
  const registry = new ConnectionRegistry();
  const socket = new RecordingSocket();
  const bob = new Connection('c-bob', socket as unknown as WebSocket, 1 << 20, Date.now(), (c) => registry.remove(c));
  bob.user = { userId: 'bob', actor: { kind: 'user', userId: 'bob', role: 'user' } };
  bob.state = 'open';
  registry.add(bob);
  const directory = new HeldMemberDirectory(['alice', 'bob']);
  const access = { recheckUsers: async () => {} } as unknown as WatchAccess;
  const router = new EventRouter(registry, directory, access, pino({ level: 'silent' }));

  const custom = { type: 'custom', call_cid: CID, call, user: user('alice'), custom: { n: 1 } };
  const ring = {
    type: 'call.ring',
    call_cid: CID,
    call,
    user: user('alice'),
    members: [{ user_id: 'alice' }, { user_id: 'bob' }],
  };
  router.route(custom as unknown as CallEvent);
  router.route(ring as unknown as CallEvent);
  // The custom event is parked on its member lookup; the ring needs none, yet must not overtake it.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(directory.lookups, 1);
  assert.deepEqual(socket.frames, [], 'nothing is delivered while the earlier event waits');
  directory.release();
  await router.idle();
  assert.deepEqual(
    socket.frames.map((f) => (JSON.parse(f) as { type: string }).type),
    ['custom', 'call.ring'],
  );
});
