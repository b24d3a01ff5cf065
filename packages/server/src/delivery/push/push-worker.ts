/**
 * The push worker of one node: claims due push rows (leased), decides at send time whether each is still
 * wanted, sends through the device's provider, and records the outcomes in one transaction:
 *
 * - sent, refused for good, or not wanted any more (the ring was answered, missed or the session ended; the type's
 *   push was turned off; the device or its provider is gone): the row is deleted;
 * - the token is dead (APNs 410 / BadDeviceToken, FCM UNREGISTERED / 404, Web Push 404 / 410): the row and the
 *   device are deleted;
 * - transient (429, 5xx, timeout, connection failure): pending again after the retry schedule's wait or the
 *   service's Retry-After, whichever is longer; when the schedule is used up the row is dropped as failed.
 *
 * A row is claimed again only after its outcome is committed or its lease runs out (at least once; a node dying
 * between a send and its commit sends that push again). The lease is short (the node TTL) and renewed while the
 * round works on it (`renewLeases`), so a dead node's pushes are late by about the node TTL, not a minute.
 */
import type { CallEvent, NotificationSettings, PushProviderType } from '@switchboard/protocol';
import type { Logger } from 'pino';
import type { DevicesTable } from '../../store/schema.js';
import type { Repositories, Store } from '../../store/store.js';
import { retryDelay } from '../retry-schedule.js';
import { DeviceStore } from './device-store.js';
import { loadProviderRows, type ProviderPool } from './provider-pool.js';
import { pushMessage } from './push-message.js';
import type { PushMetrics } from './push-metrics.js';
import type { PushProvider, PushResult } from './push-provider.js';
import { notificationSettingsOf } from './push-sink.js';
import { type PushRow, PushStore } from './push-store.js';

export interface PushWorkerOptions {
  retryScheduleMs: readonly number[];
  batchSize: number;
  /** How long a claim holds without renewal (the node TTL). */
  leaseMs: number;
}

type Decision =
  | { kind: 'send'; row: PushRow; provider: PushProvider; run: () => Promise<PushResult> }
  | { kind: 'drop'; row: PushRow; provider: string; why: string };

interface Outcome {
  row: PushRow;
  provider: string;
  result: PushResult | { outcome: 'skipped'; error: string };
}

export class PushWorker {
  private busy: Promise<unknown> | undefined;
  /** The rows of the round in progress (claimed, outcome not yet committed): their leases are renewed. */
  private held: readonly PushRow[] = [];

  constructor(
    private readonly store: Store,
    private readonly pool: ProviderPool,
    private readonly metrics: PushMetrics,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: PushWorkerOptions,
  ) {}

  /** One round: claim, send, record. Answers 'more' when the batch was full, else ms until the next retry. */
  async step(): Promise<'more' | number> {
    const run = this.round();
    this.busy = run;
    try {
      return await run;
    } finally {
      this.busy = undefined;
    }
  }

  /** Extends the leases of the round in progress (run every third of the lease). */
  async renewLeases(): Promise<void> {
    if (this.held.length === 0) return;
    const leaseUntil = new Date(this.now().getTime() + this.options.leaseMs).toISOString();
    await new PushStore(this.store.db, this.store.dialect).renewLeases(this.held, leaseUntil);
  }

  /** Resolves when the round in progress (if any) has recorded its outcomes. */
  async drain(): Promise<void> {
    await this.busy?.catch(() => undefined);
  }

  private async round(): Promise<'more' | number> {
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs).toISOString();
    const claim = await this.store.transaction(async (tx) => {
      const queue = new PushStore(tx.db, tx.dialect);
      const rows = await queue.claimDue(now.toISOString(), this.options.batchSize, leaseUntil);
      if (rows.length === 0) return { rows, next: await queue.nextDueAt() };
      return { rows, next: undefined, context: await this.context(tx, rows) };
    });
    if (claim.rows.length === 0) {
      return claim.next === undefined ? 60_000 : Math.max(0, Date.parse(claim.next) - this.now().getTime());
    }
    this.held = claim.rows;
    try {
      this.pool.update(await loadProviderRows(this.store.read.db));
      const decisions = claim.rows.map((row) => this.decide(row, claim.context as Context));
      const outcomes = await Promise.all(
        decisions.map(async (d): Promise<Outcome> => {
          if (d.kind === 'drop')
            return { row: d.row, provider: d.provider, result: { outcome: 'skipped', error: d.why } };
          return { row: d.row, provider: d.provider.name, result: await d.run() };
        }),
      );
      await this.record(outcomes);
    } finally {
      this.held = [];
    }
    return claim.rows.length >= this.options.batchSize ? 'more' : 0;
  }

  /** What deciding needs, read in the claim's transaction: events, devices, settings and ring answers. */
  private async context(tx: Repositories, rows: readonly PushRow[]): Promise<Context> {
    const queue = new PushStore(tx.db, tx.dialect);
    const payloads = await queue.payloads(rows.map((r) => r.outbox_id));
    const events = new Map<number, CallEvent>();
    for (const [id, text] of payloads) events.set(id, JSON.parse(text) as CallEvent);
    const devices = new Map(
      (await new DeviceStore(tx.db, tx.dialect).byIds(rows.map((r) => r.device_id))).map((d) => [d.id, d]),
    );
    const settings = new Map<string, NotificationSettings | undefined>();
    for (const event of events.values()) {
      if (!settings.has(event.call.type))
        settings.set(event.call.type, await notificationSettingsOf(tx, event.call.type));
    }
    const sessionIds = [...events.values()]
      .filter((e) => e.type === 'call.ring')
      .map((e) => (e as { session_id: string }).session_id);
    const sessions = new Map<string, RingAnswers>();
    if (sessionIds.length > 0) {
      const sessionRows = await tx.db
        .selectFrom('call_sessions')
        .select(['id', 'ended_at', 'accepted_by', 'rejected_by', 'missed_by'])
        .where('id', 'in', [...new Set(sessionIds)])
        .execute();
      for (const s of sessionRows) {
        const answered = new Set([
          ...Object.keys(JSON.parse(s.accepted_by) as object),
          ...Object.keys(JSON.parse(s.rejected_by) as object),
          ...Object.keys(JSON.parse(s.missed_by) as object),
        ]);
        sessions.set(s.id, { ended: s.ended_at !== null, answered });
      }
    }
    return { events, devices, settings, sessions };
  }

  private decide(row: PushRow, ctx: Context): Decision {
    const drop = (why: string, provider = '') => ({ kind: 'drop' as const, row, provider, why });
    const event = ctx.events.get(row.outbox_id);
    if (!event) return drop('event no longer retained');
    const device = ctx.devices.get(row.device_id);
    if (!device || device.user_id !== row.user_id) return drop('device removed');
    const provider = this.pool.providerFor(device.push_provider as PushProviderType, device.push_provider_name);
    if (!provider) return drop(`no enabled ${device.push_provider} provider${nameOf(device)}`);
    if (event.type === 'call.ring') {
      const ring = ctx.sessions.get(event.session_id);
      if (!ring || ring.ended) return drop('the ring is over', provider.name);
      if (ring.answered.has(row.user_id) || ring.answered.has(event.user.id))
        return drop('the ring was answered', provider.name);
    }
    const settings = ctx.settings.get(event.call.type);
    const message = settings
      ? pushMessage(
          event,
          settings,
          { token: device.id, voip: device.voip_token === 1 },
          Math.floor(this.now().getTime() / 1000),
        )
      : undefined;
    if (!message) return drop('push off for this event or an empty template', provider.name);
    return { kind: 'send', row, provider, run: () => provider.send(message) };
  }

  private async record(outcomes: readonly Outcome[]): Promise<void> {
    const now = this.now();
    const settled: number[] = [];
    const deadDevices: { id: string; user: string }[] = [];
    const retries: { id: number; at: string; error: string }[] = [];
    for (const { row, provider, result } of outcomes) {
      switch (result.outcome) {
        case 'sent':
          settled.push(row.id);
          this.metrics.count(provider, 'sent');
          break;
        case 'skipped':
          settled.push(row.id);
          this.metrics.count(provider || 'none', 'skipped');
          // Usually expected (the ring was answered), but a push that never went out is always said so.
          this.logger.info(dropFields(row, provider, result.error), 'push not sent');
          break;
        case 'unregistered':
          settled.push(row.id);
          deadDevices.push({ id: row.device_id, user: row.user_id });
          this.metrics.count(provider, 'device_removed');
          break;
        case 'failed':
          settled.push(row.id);
          this.metrics.count(provider, 'failed');
          this.logger.warn(dropFields(row, provider, result.error), 'push refused, dropped');
          break;
        case 'retry': {
          const wait = retryDelay(this.options.retryScheduleMs, row.attempts, Math.random());
          if (wait === undefined) {
            settled.push(row.id);
            this.metrics.count(provider, 'failed');
            this.logger.warn(dropFields(row, provider, result.error), 'push dropped after its last retry');
            break;
          }
          const at = new Date(now.getTime() + Math.max(wait, result.retryAfterMs ?? 0)).toISOString();
          retries.push({ id: row.id, at, error: result.error });
          this.metrics.count(provider, 'retried');
          break;
        }
      }
    }
    await this.store.transaction(async (tx) => {
      const queue = new PushStore(tx.db, tx.dialect);
      await queue.settle(settled);
      for (const r of retries) await queue.retryAt(r.id, r.at, r.error);
      for (const dead of deadDevices) {
        // Only if the token still belongs to that user (it may have been registered again to someone else).
        await tx.db.deleteFrom('devices').where('id', '=', dead.id).where('user_id', '=', dead.user).execute();
      }
    });
  }
}

interface RingAnswers {
  ended: boolean;
  answered: Set<string>;
}

interface Context {
  events: Map<number, CallEvent>;
  devices: Map<string, DevicesTable>;
  settings: Map<string, NotificationSettings | undefined>;
  sessions: Map<string, RingAnswers>;
}

/** What a log line about a push that did not go out carries: enough to find it, not the whole device token. */
function dropFields(row: PushRow, provider: string, reason: string) {
  return {
    provider: provider || 'none',
    event_type: row.event_type,
    call_cid: row.call_cid,
    user_id: row.user_id,
    device: row.device_id.slice(0, 24),
    attempts: row.attempts,
    reason,
  };
}

function nameOf(device: DevicesTable): string {
  return device.push_provider_name ? ` named ${device.push_provider_name}` : '';
}
