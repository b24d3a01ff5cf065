/**
 * SQL of the webhook delivery log. Claiming is the one subtle query: a delivery is due when its time has come (or
 * the node that claimed it stopped renewing its lease) and no earlier delivery of the same (hook, call) is still
 * open, so events of one call reach one hook in order while other calls and hooks go ahead. That is: it is the head
 * (lowest open id) of its (hook, call) and due. The heads come from one pass over the index of open deliveries,
 * instead of probing for an earlier open one behind every open row (which made each claim cost open rows × probes). On PostgreSQL the
 * claim takes row locks with SKIP LOCKED: nodes claiming at once get disjoint rows and never wait for each other.
 */
import type { DeliveryStatus, WebhookDelivery } from '@switchboard/protocol';
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { Dialect } from '../store/database.js';
import type { Database, WebhookDeliveriesTable } from '../store/schema.js';

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewDelivery = Insertable<WebhookDeliveriesTable>;

/** Statuses of a delivery that still has to go out (it holds back later events of its call for its hook). */
const OPEN = sql`('pending', 'in_flight')`;
const INSERT_CHUNK = 200;
/** Rows per settling UPDATE (its WHERE has one (id, attempts) pair per row). */
const SETTLE_CHUNK = 200;

/** Deliveries of one (hook, call): they go out one at a time, in id order. */
export interface Chain {
  hookId: string;
  callCid: string;
}

export interface SettleChange {
  status: DeliveryStatus;
  nextAttemptAt: string;
  statusCode: number | null;
  error: string | null;
}

/** One attempt's outcome for the claim it was made under. */
export interface Settlement {
  claim: DeliveryRow;
  change: SettleChange;
}

export interface DeliveryFilter {
  hookId?: string | undefined;
  status?: DeliveryStatus | undefined;
  callCid?: string | undefined;
  before?: number | undefined;
  limit: number;
}

export function deliveryView(row: DeliveryRow): WebhookDelivery {
  const open = row.status === 'pending' || row.status === 'in_flight';
  return {
    id: String(row.id),
    hook_id: row.hook_id,
    webhook_id: row.webhook_id,
    event_id: row.event_id,
    event_type: row.event_type,
    call_cid: row.call_cid,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    next_attempt_at: open ? row.next_attempt_at : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    event_created_at: row.event_created_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    delivered_at: row.delivered_at,
  };
}

export class DeliveryStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async insert(rows: readonly NewDelivery[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  }

  /**
   * Marks up to `limit` due deliveries (of the `only` chains when given: one index seek per chain, for the chains
   * whose head just settled) in flight for this claimant until `leaseUntil` and counts the attempt.
   * Run it inside a transaction on PostgreSQL (the row locks last until the commit).
   */
  async claimDue(now: string, limit: number, leaseUntil: string, only?: readonly Chain[]): Promise<DeliveryRow[]> {
    if (only?.length === 0) return [];
    const lock = this.dialect === 'postgres' ? sql`for update of d skip locked` : sql``;
    const heads = only
      ? sql`select (
            select min(e.id) from webhook_deliveries e
            where e.hook_id = c.column1 and e.call_cid = c.column2 and e.status in ${OPEN}) as id
          from (values ${sql.join(only.map((c) => sql`(${c.hookId}, ${c.callCid})`))}) as c`
      : sql`select min(id) as id from webhook_deliveries where status in ${OPEN} group by hook_id, call_cid`;
    const result = await sql<DeliveryRow>`
      update webhook_deliveries
      set status = 'in_flight', attempts = attempts + 1, lease_until = ${leaseUntil}, updated_at = ${now}
      where id in (
        select d.id from (${heads}) head
        join webhook_deliveries d on d.id = head.id
        where (d.status = 'pending' and d.next_attempt_at <= ${now})
           or (d.status = 'in_flight' and d.lease_until <= ${now})
        order by d.id
        limit ${limit}
        ${lock})
      returning *`.execute(this.db);
    return result.rows
      .map((r) => ({ ...r, id: Number(r.id), outbox_id: Number(r.outbox_id) }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Extends the leases of claims this node still works on, each only while it is still that claim (in flight with
   * the same attempt count: the attempt count is the claim token, raised by every claim). A claim another node took
   * over after the lease ran out is not extended. Answers the ids whose lease was extended.
   */
  async renewLeases(claims: readonly { id: number; attempts: number }[], leaseUntil: string): Promise<Set<number>> {
    const renewed = new Set<number>();
    for (let i = 0; i < claims.length; i += SETTLE_CHUNK) {
      const chunk = claims.slice(i, i + SETTLE_CHUNK);
      const rows = await this.db
        .updateTable('webhook_deliveries')
        .set({ lease_until: leaseUntil })
        .where('status', '=', 'in_flight')
        .where(
          'id',
          'in',
          chunk.map((c) => c.id),
        )
        .where((eb) => eb.or(chunk.map((c) => eb.and([eb('id', '=', c.id), eb('attempts', '=', c.attempts)]))))
        .returning('id')
        .execute();
      for (const row of rows) renewed.add(Number(row.id));
    }
    return renewed;
  }

  /** The event JSON text of each outbox row, byte for byte as committed. */
  async payloads(outboxIds: readonly number[]): Promise<Map<number, string>> {
    if (outboxIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('outbox')
      .select(['id', 'payload'])
      .where('id', 'in', [...new Set(outboxIds)])
      .execute();
    return new Map(rows.map((r) => [Number(r.id), r.payload]));
  }

  /**
   * Records attempts' outcomes (run it in a transaction): one UPDATE per distinct outcome (every 200 of one status
   * code shares one). Each row only if it is still its claim's (same attempt count and in flight): a claim taken
   * over after its lease ran out must not be overwritten by the node that lost it. Answers how many rows were.
   */
  async settleMany(settlements: readonly Settlement[], now: string): Promise<number> {
    const groups = new Map<string, Settlement[]>();
    for (const s of settlements) {
      const c = s.change;
      const key = JSON.stringify([c.status, c.nextAttemptAt, c.statusCode, c.error]);
      const group = groups.get(key);
      if (group) group.push(s);
      else groups.set(key, [s]);
    }
    let updated = 0;
    for (const group of groups.values()) {
      const change = (group[0] as Settlement).change;
      for (let i = 0; i < group.length; i += SETTLE_CHUNK) {
        const claims = group.slice(i, i + SETTLE_CHUNK).map((s) => s.claim);
        const result = await this.db
          .updateTable('webhook_deliveries')
          .set({
            status: change.status,
            next_attempt_at: change.nextAttemptAt,
            lease_until: null,
            last_status_code: change.statusCode,
            last_error: change.error,
            updated_at: now,
            ...(change.status === 'delivered' ? { delivered_at: now } : {}),
          })
          .where('status', '=', 'in_flight')
          .where(
            'id',
            'in',
            claims.map((c) => c.id),
          )
          .where((eb) => eb.or(claims.map((c) => eb.and([eb('id', '=', c.id), eb('attempts', '=', c.attempts)]))))
          .executeTakeFirst();
        updated += Number(result.numUpdatedRows);
      }
    }
    return updated;
  }

  /** Claims a dead node left behind. On SQLite one process delivers, so at its start every claim is stale. */
  async releaseAllClaims(now: string): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', lease_until: null, next_attempt_at: now, updated_at: now })
      .where('status', '=', 'in_flight')
      .execute();
  }

  async list(filter: DeliveryFilter): Promise<DeliveryRow[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll();
    if (filter.hookId !== undefined) q = q.where('hook_id', '=', filter.hookId);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.callCid !== undefined) q = q.where('call_cid', '=', filter.callCid);
    if (filter.before !== undefined) q = q.where('id', '<', filter.before);
    const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), outbox_id: Number(r.outbox_id) }));
  }

  async get(id: number): Promise<DeliveryRow | undefined> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { ...row, id: Number(row.id), outbox_id: Number(row.outbox_id) };
  }

  /** A dead letter goes back to pending with a fresh schedule (attempt numbers start again at 1). */
  async requeueDead(id: number, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'dead_letter')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * The earliest future due time of a pending delivery (to sleep until then), or undefined. Rows already due but
   * not claimed wait behind an open delivery of their call; that one settling wakes the worker.
   */
  async nextDueAt(now: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('due'))
      .where('status', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .executeTakeFirst();
    return row?.due ?? undefined;
  }

  /**
   * Removes delivered and dead-lettered deliveries last touched before `cutoff`, then relayed events no delivery
   * needs (also the events resuming WebSockets replay from), `purgeBatch` rows per statement.
   */
  async purge(cutoff: string, purgeBatch = 5000): Promise<{ deliveries: number; events: number }> {
    const deliveries = await this.db
      .deleteFrom('webhook_deliveries')
      .where('status', 'in', ['delivered', 'dead_letter'])
      .where('updated_at', '<', cutoff)
      .executeTakeFirst();
    // Events go in bounded batches (a week of a busy cluster is millions of rows): one statement never holds locks
    // on, or writes the log for, more than a batch, and writers are not stalled behind it.
    let events = 0;
    for (;;) {
      const batch = await this.db
        .deleteFrom('outbox')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('outbox as o')
            .select('o.id')
            .where('o.relayed_at', '<', cutoff)
            .where(({ not, exists, selectFrom }) =>
              not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.outbox_id', '=', 'o.id'))),
            )
            .orderBy('o.id')
            .limit(purgeBatch),
        )
        .executeTakeFirst();
      const deleted = Number(batch.numDeletedRows);
      events += deleted;
      if (deleted < purgeBatch) break;
    }
    return { deliveries: Number(deliveries.numDeletedRows), events };
  }

  /** Creation time of the oldest event not yet delivered or dead-lettered anywhere (outbox lag). */
  async oldestUndelivered(): Promise<string | undefined> {
    const [unrelayed, open] = await Promise.all([
      this.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.min('created_at').as('at'))
        .where('relayed_at', 'is', null)
        .executeTakeFirst(),
      this.db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.min('event_created_at').as('at'))
        .where('status', 'in', ['pending', 'in_flight'])
        .executeTakeFirst(),
    ]);
    const times = [unrelayed?.at, open?.at].filter((t): t is string => typeof t === 'string');
    return times.sort()[0];
  }
}
