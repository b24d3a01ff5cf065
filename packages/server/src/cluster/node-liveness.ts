/**
 * Node liveness: each node keeps a row in `cluster_nodes` fresh (its heartbeat, every third of the node TTL), and
 * every node, as often, reaps nodes whose heartbeat is older than the TTL and makes the participants over their
 * connections leave (services/presence.ts `leaveOrphans`). A participation is owned by the node holding its live
 * connection (`session_participants.node_id`): the realtime connection it joined over (whichever node served the
 * JoinCall), the SFU connection that took it over, or the connection a reconnect moved it to. When that node dies,
 * whichever node notices first does the leave, and the leave itself runs under the call's lock and re-reads who is
 * still in, so it happens exactly once.
 *
 * Each reap also ends the participations that no connection holds past the owner deadline (presence.ts
 * `leaveUnowned`): they belong to no node, so any node may end them, and the leave is the same locked one.
 *
 * The heartbeat runs on a database connection of its own (heartbeat-connection.ts) and its own timer, apart from
 * the reap: a node whose request pool is saturated still beats on time, so it is not taken for dead.
 *
 * A node that restarts after kill -9 comes back with a new node id: its old participations belong to a dead node
 * and leave after the TTL like any other. A node stopping cleanly leaves its participants itself and deletes its
 * row (`stop`). A node whose heartbeat finds its row gone was taken for dead while alive (a stall past the TTL, or
 * an operator deleting the row): it registers again and brings back the participations the reap ended whose
 * connections it still holds (services/reassert.ts), so the TTL should still exceed any stall.
 *
 * `cluster/` owns what several nodes on one database share; it may import store/, domain/ and services/.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ServiceContext } from '../services/context.js';
import { leaveOrphans, leaveUnowned } from '../services/presence.js';
import { reassertParticipations } from '../services/reassert.js';
import type { Scheduler } from '../services/scheduler.js';
import type { Database } from '../store/schema.js';
import type { NodeStatsColumns, NodeStatsReport } from './node-stats.js';

export interface NodeLivenessOptions {
  ttlMs: number;
  scheduler: Scheduler;
  logger: Logger;
  /** Calls with orphaned participants handled per reap at most (docs/limits.md). */
  reapBatch?: number;
  /** The heartbeat's own connection (heartbeat-connection.ts); the store's when absent (SQLite, unit tests). */
  heartbeatDb?: Kysely<Database>;
  /** Whether a realtime connection is open on this node (its participations come back if the node was reaped). */
  holds?: (connectionId: string) => boolean;
  /** What this node reports about itself in its row on each beat (cluster/node-stats.ts); nothing when absent. */
  stats?: NodeStatsReport;
}

export const DEFAULT_REAP_BATCH = 100;
const BEAT_KEY = 'node-liveness:beat';
const REAP_KEY = 'node-liveness:reap';

export class NodeLiveness {
  private stopped = false;
  /** The running re-assertion after this node found itself reaped; one at a time. */
  private reasserting: Promise<void> | undefined;
  private reassertAgain = false;
  private lastCounted: Partial<NodeStatsColumns> = {};
  private readingStats: Promise<void> | undefined;
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

  /** Registers this node (before it accepts connections) and starts beating and reaping. */
  async start(): Promise<void> {
    // The first row carries a count already; later beats write the count read one beat earlier.
    this.reportedStats();
    await this.readingStats;
    await this.register();
    this.armBeat();
    this.armReap();
  }

  /** Clean shutdown, after this node's participants left: its row goes, nobody has to wait for its TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.scheduler.cancel(BEAT_KEY);
    this.options.scheduler.cancel(REAP_KEY);
    await this.reasserting;
    await this.readingStats;
    await this.ctx.store.read.db.deleteFrom('cluster_nodes').where('node_id', '=', this.ctx.nodeId).execute();
  }

  /** Writes this node's row now (its figures changed, e.g. the address once listening); a failure is only logged. */
  async refresh(): Promise<void> {
    await this.heartbeat().catch((err: unknown) => this.options.logger.warn({ err }, 'node row not refreshed'));
  }

  /** One heartbeat (and the re-assertion it may start), then one reap; exposed so tests can drive it. */
  async beat(): Promise<void> {
    await this.heartbeat();
    await this.reasserting;
    await this.reap();
    this.startReassert();
    await this.reasserting;
  }

  /**
   * Refreshes this node's row on the heartbeat connection. No row to refresh: the others took this node for dead
   * and reaped it; it registers again and brings back what it still holds (in the background, on the request
   * pool, so the next beat does not wait for it).
   */
  private async heartbeat(): Promise<void> {
    const now = this.isoNow();
    const updated = await this.heartbeatDb
      .updateTable('cluster_nodes')
      .set({ last_seen_at: now, ...this.reportedStats() })
      .where('node_id', '=', this.ctx.nodeId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) this.lastBeatMs = Date.parse(now);
    if (Number(updated.numUpdatedRows) > 0 || this.stopped) return;
    this.options.logger.warn(
      { nodeId: this.ctx.nodeId },
      'this node was taken for dead (its heartbeat row was reaped): registering again and re-asserting its participants',
    );
    await this.register();
    this.startReassert();
  }

  private startReassert(): void {
    if (this.reasserting) {
      this.reassertAgain = true;
      return;
    }
    const run = async () => {
      do {
        this.reassertAgain = false;
        const rejoined = await reassertParticipations(this.ctx, this.holds, this.reapBatch);
        if (rejoined > 0) this.options.logger.warn({ rejoined }, 'participations ended by the reap joined again');
      } while (this.reassertAgain && !this.stopped);
    };
    this.reasserting = run()
      .catch((err: unknown) => this.options.logger.error({ err }, 'participants not re-asserted'))
      .finally(() => {
        this.reasserting = undefined;
      });
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
      // Never itself: a node running this is alive, and its own heartbeat (on its own timer) refreshes its row.
      .where('node_id', '<>', this.ctx.nodeId)
      .returning('node_id')
      .execute();
    for (const { node_id } of dead)
      this.options.logger.warn({ deadNodeId: node_id }, 'node is dead: its participants leave');
    await leaveOrphans(this.ctx, this.reapBatch);
    await leaveUnowned(this.ctx, this.reapBatch);
    return dead.map((d) => d.node_id);
  }

  private get reapBatch(): number {
    return this.options.reapBatch ?? DEFAULT_REAP_BATCH;
  }

  private readonly holds = (connectionId: string): boolean => this.options.holds?.(connectionId) ?? false;

  private get heartbeatDb(): Kysely<Database> {
    return this.options.heartbeatDb ?? this.ctx.store.read.db;
  }

  private async register(): Promise<void> {
    const stats = this.reportedStats();
    const now = this.isoNow();
    await this.heartbeatDb
      .insertInto('cluster_nodes')
      .values({ node_id: this.ctx.nodeId, started_at: now, last_seen_at: now, ...stats })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ last_seen_at: now, ...stats }))
      .execute();
    this.lastBeatMs = Date.parse(now);
  }

  /**
   * This node's figures for its row: what the process knows, now, and the owned-participants count as last read,
   * with a refresh started in the background: that count queries the request pool, and a heartbeat that waited on
   * a saturated pool would get a busy node taken for dead. So the count is one beat old; a failed read keeps the
   * previous one.
   */
  private reportedStats(): Partial<NodeStatsColumns> {
    const report = this.options.stats;
    if (!report) return {};
    if (!this.readingStats) {
      this.readingStats = report
        .counted()
        .then(
          (counted) => {
            this.lastCounted = counted;
          },
          (err: unknown) =>
            this.options.logger.warn({ err }, 'owned participants not counted: the row keeps the last count'),
        )
        .finally(() => {
          this.readingStats = undefined;
        });
    }
    return { ...this.lastCounted, ...report.current() };
  }

  /** The heartbeat re-arms itself without waiting for any reap: a slow reap must not delay the next beat. */
  private armBeat(): void {
    if (this.stopped) return;
    this.options.scheduler.schedule(BEAT_KEY, this.ctx.clock.now().getTime() + this.intervalMs, async () => {
      try {
        await this.heartbeat();
      } finally {
        this.armBeat();
      }
    });
  }

  private armReap(): void {
    if (this.stopped) return;
    this.options.scheduler.schedule(REAP_KEY, this.ctx.clock.now().getTime() + this.intervalMs, async () => {
      try {
        await this.reap();
        // Also here, not only when a beat finds the row gone: a reap that read this node as dead may commit its
        // leaves after that beat registered again, and those come back on the next run.
        this.startReassert();
        await this.reasserting;
      } finally {
        this.armReap();
      }
    });
  }

  private isoNow(): string {
    return this.ctx.clock.now().toISOString();
  }
}
