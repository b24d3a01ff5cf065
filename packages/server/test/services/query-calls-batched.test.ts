/**
 * QueryCalls reads a page's calls with a fixed number of statements whatever its `limit` (the page loader,
 * services/call-page.ts), and its entries are the same JSON as the one-call loader's (GetCall's path), for every
 * kind of actor, with the snapshot cache cold, warm or half warm. Statements are counted with a kysely plugin on
 * the node's own database, so every statement QueryCalls runs is seen (page, visibility, batch reads).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { CallResponse } from '@switchboard/protocol';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import type { Actor } from '../../src/domain/actor.js';
import { loadSnapshots } from '../../src/services/call-page.js';
import { DEFAULT_MEMBERS_LIMIT, loadSnapshot, snapshotResponse } from '../../src/services/call-response.js';
import type { ServiceContext } from '../../src/services/context.js';
import { queryCalls } from '../../src/services/queries.js';
import type { CallsTable } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { eachDatabase } from '../support/each-database.js';

const T0 = Date.parse('2031-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const CALLS = 30;
/** The newest call has more members than a snapshot holds; `u0` joined it first, so it is not among the newest. */
const BIG_MEMBERS = 120;

/** Counts the statements that reached the database (a result came back). */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    this.count++;
    return args.result;
  }
}

async function seed(ctx: ServiceContext): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    await tx.users.upsert(
      Array.from({ length: BIG_MEMBERS + 10 }, (_, i) => ({
        id: `u${i}`,
        name: `User ${i}`,
        image: null,
        role: 'user',
        custom: `{"n":${i}}`,
        teams: '[]',
        created_at: at(0),
        updated_at: at(0),
        deleted_at: null,
      })),
    );
    for (let i = 0; i < CALLS; i++) {
      const cid = `default:batch-${i}`;
      // The newest call has everything a page may need to read (a session, more members than a snapshot holds), so
      // a page of 1 reads every kind of row a page of 100 reads.
      const session = i % 3 === 0 || i === CALLS - 1 ? `s-${i}` : null;
      await tx.calls.insertIfAbsent({
        cid,
        type: 'default',
        id: `batch-${i}`,
        // u999 does not exist: a missing creator reads as a deleted user on both paths.
        created_by_user_id: i === 4 ? 'u999' : `u${i}`,
        team: null,
        custom: `{"i":${i}}`,
        settings_override: '{}',
        starts_at: null,
        backstage: 0,
        blocked_user_ids: i === 7 ? '["u3"]' : '[]',
        created_at: at(100 + i),
        updated_at: at(100 + i),
        ended_at: null,
        deleted_at: null,
        current_session_id: session,
      });
      const members = i === CALLS - 1 ? BIG_MEMBERS : 3;
      await tx.members.insert(
        Array.from({ length: members }, (_, m) => ({
          call_cid: cid,
          user_id: `u${(i + m) % (BIG_MEMBERS + 10)}`,
          role: m === 0 ? 'admin' : 'call_member',
          custom: '{}',
          created_at: at(200 + m),
          updated_at: at(200 + m),
        })),
      );
      if (session) {
        await tx.sessions.insert({
          id: session,
          call_cid: cid,
          created_at: at(300),
          started_at: at(300),
          ended_at: null,
          live_started_at: null,
          live_ended_at: null,
          accepted_by: '{}',
          rejected_by: '{}',
          missed_by: '{}',
          pins: '[]',
        });
        for (let p = 0; p < 3; p++) {
          await tx.sessions.addParticipant({
            user_session_id: `${session}-p${p}`,
            session_id: session,
            call_cid: cid,
            user_id: `u${(i + p) % 7}`,
            role: p === 0 ? 'host' : 'user',
            joined_at: at(300 + (2 - p)), // joined in reverse id order: the order must come from joined_at
            left_at: p === 2 && i % 2 === 0 ? at(400) : null,
            connection_id: null,
            node_id: null,
          });
        }
      }
    }
  });
}

/** A copy of the node's context whose store counts statements. */
function countingContext(ctx: ServiceContext): { ctx: ServiceContext; counter: StatementCounter } {
  const counter = new StatementCounter();
  const db = ctx.store.db.withPlugin(counter);
  const store = new Store({ db, dialect: ctx.store.dialect, close: async () => {} });
  return { ctx: { ...ctx, store }, counter };
}

const ACTORS: [string, Actor][] = [
  ['server', { kind: 'server' }],
  ['member beyond the newest 100 of the big call', { kind: 'user', userId: 'u0', role: 'user' }],
  ['user blocked on one call', { kind: 'user', userId: 'u3', role: 'user' }],
  ['user of no call', { kind: 'user', userId: 'u125', role: 'user' }],
  ['anonymous', { kind: 'anonymous' }],
];

/** What QueryCalls answered before the page loader: each entry loaded alone (GetCall's loader). */
async function oneByOne(ctx: ServiceContext, actor: Actor, rows: readonly CallsTable[]): Promise<CallResponse[]> {
  const type = await ctx.callTypes.get('default');
  assert.ok(type);
  const out: CallResponse[] = [];
  for (const row of rows) {
    const snapshot = await loadSnapshot(ctx.store.read, { row, type });
    out.push(await snapshotResponse(ctx.store.read, actor, { row, type }, snapshot, DEFAULT_MEMBERS_LIMIT));
  }
  return out;
}

eachDatabase('QueryCalls page loading', (t) => {
  before(async () => seed(t().node.ctx));

  it('runs as many statements for a page of 25 calls as for a page of 1, cold cache', async () => {
    for (const [name, actor] of ACTORS) {
      const counted: Record<number, number> = {};
      for (const limit of [1, 25, 100]) {
        const { ctx, counter } = countingContext(t().node.ctx);
        ctx.snapshots.clear();
        await ctx.callTypes.get('default'); // the call-type cache is warm in steady state; its reads are not per call
        const page = await queryCalls(ctx, actor, { limit });
        if (actor.kind !== 'anonymous' && name !== 'user of no call') assert.ok(page.calls.length > 1 || limit === 1);
        counted[limit] = counter.count;
      }
      assert.equal(counted[25], counted[1], `${name}: ${JSON.stringify(counted)}`);
      assert.equal(counted[100], counted[1], `${name}: ${JSON.stringify(counted)}`);
      // Page, sessions, participants, members, users (+ visibility, + the big call's membership for users).
      assert.ok(counted[1]! <= 8, `${name}: ${counted[1]} statements for one page`);
    }
  });

  it('reads nothing more when every call of the page is in the snapshot cache', async () => {
    const node = t().node;
    const rows = await node.ctx.store.db.selectFrom('calls').selectAll().orderBy('created_at', 'desc').execute();
    const type = await node.ctx.callTypes.get('default');
    assert.ok(type);
    node.ctx.snapshots.clear();
    for (const row of rows)
      await node.ctx.snapshots.read(row.cid, () => loadSnapshot(node.ctx.store.read, { row, type }));
    const { ctx, counter } = countingContext(node.ctx);
    const page = await queryCalls(ctx, { kind: 'server' }, { limit: 25 });
    assert.equal(page.calls.length, 25);
    assert.equal(counter.count, 1, 'only the page query');
    node.ctx.snapshots.clear();
  });

  it('answers each entry exactly as the one-call loader does, cold, warm and half-warm cache', async () => {
    const node = t().node;
    const ctx = node.ctx;
    const type = await ctx.callTypes.get('default');
    assert.ok(type);
    for (const [name, actor] of ACTORS) {
      for (const warmth of ['cold', 'half', 'warm'] as const) {
        ctx.snapshots.clear();
        const rows = await ctx.store.db.selectFrom('calls').selectAll().orderBy('created_at', 'desc').execute();
        for (const [i, row] of rows.entries()) {
          if (warmth === 'warm' || (warmth === 'half' && i % 2 === 0))
            await ctx.snapshots.read(row.cid, () => loadSnapshot(ctx.store.read, { row, type }));
        }
        const page = await queryCalls(ctx, actor, { limit: 100 });
        const byCid = new Map(rows.map((r) => [r.cid, r]));
        const expected = await oneByOne(
          ctx,
          actor,
          page.calls.map((c) => byCid.get(c.call.cid) as CallsTable),
        );
        assert.equal(JSON.stringify(page.calls), JSON.stringify(expected), `${name}, ${warmth} cache`);
      }
    }
    ctx.snapshots.clear();
  });

  it('loads the members a snapshot holds, newest first, and the active participants in join order', async () => {
    const ctx = t().node.ctx;
    const type = await ctx.callTypes.get('default');
    assert.ok(type);
    const rows = await ctx.store.db.selectFrom('calls').selectAll().orderBy('created_at', 'desc').execute();
    const batched = await loadSnapshots(
      ctx.store.read,
      rows.map((row) => ({ row, type })),
    );
    const big = batched[0]!;
    assert.equal(big.newestMembers.length, 100);
    assert.equal(big.allMembersKnown, false);
    assert.equal(big.newestMembers[0]?.user_id, `u${(CALLS - 1 + BIG_MEMBERS - 1) % (BIG_MEMBERS + 10)}`);
    const withSession = batched.find((s) => s.row.cid === 'default:batch-3')!;
    assert.deepEqual(
      withSession.model.session?.participants.map((p) => p.user_session_id),
      ['s-3-p2', 's-3-p1', 's-3-p0'],
    );
    const leftOne = batched.find((s) => s.row.cid === 'default:batch-6')!;
    assert.deepEqual(
      leftOne.model.session?.participants.map((p) => p.user_session_id),
      ['s-6-p1', 's-6-p0'],
    );
  });
});
