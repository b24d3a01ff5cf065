/**
 * Node liveness: each node keeps a row in `cluster_nodes` fresh (its heartbeat, every third of the node TTL), and
 * every node, on each beat, reaps nodes whose heartbeat is older than the TTL and makes the participants over their
 * connections leave (services/presence.ts `leaveOrphans`). A participant's liveness is owned by the node holding
 * its connection (`session_participants.node_id`); when that node dies, whichever node notices first does the leave,
 * and the leave itself runs under the call's lock and re-reads who is still in, so it happens exactly once.
 *
 * Each beat also ends the participations that no connection holds past the owner deadline (presence.ts
 * `leaveUnowned`): they belong to no node, so any node may end them, and the leave is the same locked one.
 *
 * A node that restarts after kill -9 comes back with a new node id: its old participations belong to a dead node
 * and leave after the TTL like any other. A node stopping cleanly leaves its participants itself and deletes its
 * row (`stop`). A node whose heartbeat stalls past the TTL (a stopped VM, a blocked event loop) is taken for dead:
 * its participants leave; its next beat puts its row back (and logs it), so the TTL must exceed any stall.
 *
 * `cluster/` owns what several nodes on one database share; it may import store/, domain/ and services/.
 */
import type { Logger } from 'pino';
import type { ServiceContext } from '../services/context.js';
import { leaveOrphans, leaveUnowned } from '../services/presence.js';
import type { Scheduler } from '../services/scheduler.js';
import type { NodeStatsColumns } from './node-stats.js';

export interface NodeLivenessOptions {
  ttlMs: number;
  scheduler: Scheduler;
  logger: Logger;
  /** Calls with orphaned participants handled per beat at most (docs/limits.md). */
  reapBatch?: number;
  /** What this node reports about itself in its row on each beat (cluster/node-stats.ts); nothing when absent. */
  stats?: () => Promise<NodeStatsColumns>;
}

export const DEFAULT_REAP_BATCH = 100;
const BEAT_KEY = 'node-liveness:beat';

export class NodeLiveness {
  private stopped = false;
  /** Clock time (ms) of this node's last heartbeat written; undefined before the first. */
  private lastBeatMs: number | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: NodeLivenessOptions,
  ) {}

  /** Milliseconds since this node last wrote its heartbeat (`/metrics`); undefined before the first. */
  heartbeatAgeMs(): number | undefined {
    return this.lastBeatMs === undefined ? undefined : this.ctx.clock.now().getTime() - this.lastBeatMs;
  }

  get intervalMs(): number {
    return Math.max(1, Math.floor(this.options.ttlMs / 3));
  }

  /** Registers this node (before it accepts connections) and starts beating. */
  async start(): Promise<void> {
    await this.register();
    this.arm();
  }

  /** Clean shutdown, after this node's participants left: its row goes, nobody has to wait for its TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.scheduler.cancel(BEAT_KEY);
    await this.ctx.store.read.db.deleteFrom('cluster_nodes').where('node_id', '=', this.ctx.nodeId).execute();
  }

  /** One heartbeat, then one reap; exposed so tests can drive it. */
  async beat(): Promise<void> {
    const stats = await this.reportedStats();
    const now = this.isoNow();
    const updated = await this.ctx.store.read.db
      .updateTable('cluster_nodes')
      .set({ last_seen_at: now, ...stats })
      .where('node_id', '=', this.ctx.nodeId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0 && !this.stopped) {
      this.options.logger.warn(
        { nodeId: this.ctx.nodeId },
        'this node was taken for dead (heartbeat older than the TTL)',
      );
      await this.register();
    }
    if (Number(updated.numUpdatedRows) > 0) this.lastBeatMs = Date.parse(now);
    await this.reap();
  }

  /**
   * Deletes the rows of nodes silent for longer than the TTL (a conditional delete: each dead row goes once), then
   * makes the participations of nodes without a row leave. Returns the dead node ids this call removed.
   */
  async reap(): Promise<string[]> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - this.options.ttlMs).toISOString();
    const dead = await this.ctx.store.read.db
      .deleteFrom('cluster_nodes')
      .where('last_seen_at', '<', cutoff)
      .returning('node_id')
      .execute();
    for (const { node_id } of dead)
      this.options.logger.warn({ deadNodeId: node_id }, 'node is dead: its participants leave');
    await leaveOrphans(this.ctx, this.options.reapBatch ?? DEFAULT_REAP_BATCH);
    await leaveUnowned(this.ctx, this.options.reapBatch ?? DEFAULT_REAP_BATCH);
    return dead.map((d) => d.node_id);
  }

  private async register(): Promise<void> {
    const stats = await this.reportedStats();
    const now = this.isoNow();
    await this.ctx.store.read.db
      .insertInto('cluster_nodes')
      .values({ node_id: this.ctx.nodeId, started_at: now, last_seen_at: now, ...stats })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ last_seen_at: now, ...stats }))
      .execute();
    this.lastBeatMs = Date.parse(now);
  }

  /** The stats hook's columns; a failure to read them must not stop the heartbeat, which then writes none. */
  private async reportedStats(): Promise<Partial<NodeStatsColumns>> {
    if (!this.options.stats) return {};
    try {
      return await this.options.stats();
    } catch (err) {
      this.options.logger.warn({ err }, 'node stats not read: this heartbeat reports none');
      return {};
    }
  }

  private arm(): void {
    if (this.stopped) return;
    this.options.scheduler.schedule(BEAT_KEY, this.ctx.clock.now().getTime() + this.intervalMs, async () => {
      try {
        await this.beat();
      } finally {
        this.arm();
      }
    });
  }

  private isoNow(): string {
    return this.ctx.clock.now().toISOString();
  }
}
