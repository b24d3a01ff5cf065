/**
 * SQL of the `scheduled_jobs` table (durable timers), both dialects through kysely. Times are stored ISO strings
 * (they sort like the instants they name); callers pass epoch ms. The claim is the one multi-node hot spot: on
 * PostgreSQL it picks its batch with `FOR UPDATE SKIP LOCKED`, so nodes sweeping together split the due jobs
 * instead of queueing on each other's row locks; SQLite has a single writer and needs no such clause.
 */
import { randomUUID } from 'node:crypto';
import type { JobRecord, JobWrite } from '../services/durable-jobs.js';
import type { ScheduledJobsTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function toRecord(row: ScheduledJobsTable): JobRecord {
  return {
    key: row.key,
    kind: row.kind,
    subject: row.subject,
    dueAt: row.due_at === null ? undefined : Date.parse(row.due_at),
    payload: row.payload,
    token: row.token,
  };
}

export async function putJob(tx: Repositories, job: JobWrite): Promise<string> {
  const row = {
    key: job.key,
    kind: job.kind,
    subject: job.subject ?? null,
    due_at: job.dueAt === undefined ? null : iso(job.dueAt),
    payload: JSON.stringify(job.payload),
    token: randomUUID(),
    claimed_by: null,
    claimed_until: null,
  };
  const { key: _key, ...changes } = row;
  await tx.db
    .insertInto('scheduled_jobs')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet(changes))
    .execute();
  return row.token;
}

export async function getJob(repos: Repositories, key: string, lock: boolean): Promise<JobRecord | undefined> {
  let query = repos.db.selectFrom('scheduled_jobs').selectAll().where('key', '=', key);
  if (lock && repos.dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Deletes a job; with `token` only that version of it, with `subject` only if it is about that subject. */
export async function deleteJob(repos: Repositories, key: string, token?: string, subject?: string): Promise<void> {
  let query = repos.db.deleteFrom('scheduled_jobs').where('key', '=', key);
  if (token !== undefined) query = query.where('token', '=', token);
  if (subject !== undefined) query = query.where('subject', '=', subject);
  await query.execute();
}

export async function jobsBySubject(repos: Repositories, kind: string, subject: string): Promise<JobRecord[]> {
  const rows = await repos.db
    .selectFrom('scheduled_jobs')
    .selectAll()
    .where('kind', '=', kind)
    .where('subject', '=', subject)
    .execute();
  return rows.map(toRecord);
}

/**
 * Claims up to `limit` jobs due at `dueBy` that nobody holds (or whose holder's claim ran out) for `nodeId` until
 * `until`. One statement: the rows it returns are this node's alone.
 */
export async function claimDueJobs(
  repos: Repositories,
  nodeId: string,
  now: number,
  dueBy: number,
  until: number,
  limit: number,
  key?: string,
): Promise<JobRecord[]> {
  let pick = repos.db
    .selectFrom('scheduled_jobs')
    .select('key')
    .where('due_at', 'is not', null)
    .where('due_at', '<=', iso(dueBy))
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', iso(now))]));
  if (key !== undefined) pick = pick.where('key', '=', key);
  pick = pick.orderBy('due_at').limit(limit);
  if (repos.dialect === 'postgres') pick = pick.forUpdate().skipLocked();
  const rows = await repos.db
    .updateTable('scheduled_jobs')
    .set({ claimed_by: nodeId, claimed_until: iso(until) })
    .where('key', 'in', pick)
    .returningAll()
    .execute();
  return rows.map(toRecord);
}

/**
 * Gives a claimed job back (its handler left it in place): free at once, or only after `notBefore`. Returns false
 * when there was nothing to release (the handler deleted or rewrote the job).
 */
export async function releaseJob(
  repos: Repositories,
  key: string,
  token: string,
  nodeId: string,
  notBefore?: number,
): Promise<boolean> {
  const result = await repos.db
    .updateTable('scheduled_jobs')
    .set(
      notBefore === undefined
        ? { claimed_by: null, claimed_until: null }
        : { claimed_by: nodeId, claimed_until: iso(notBefore) },
    )
    .where('key', '=', key)
    .where('token', '=', token)
    .where('claimed_by', '=', nodeId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The job's state as the local waker needs it: gone, due later, or held by a claim until some time. */
export async function jobStatus(
  repos: Repositories,
  key: string,
): Promise<{ dueAt: number | undefined; claimedUntil: number | undefined } | undefined> {
  const row = await repos.db
    .selectFrom('scheduled_jobs')
    .select(['due_at', 'claimed_until'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    dueAt: row.due_at === null ? undefined : Date.parse(row.due_at),
    claimedUntil: row.claimed_until === null ? undefined : Date.parse(row.claimed_until),
  };
}
