/**
 * What `/readyz` answers: whether the database answers a query now, whether the Redis bus is up (clusters only) and
 * whether the node is draining, plus `reason`, a sentence per failing check, so an operator reading a 503 knows
 * which backend to look at without the logs.
 */
import { type Kysely, sql } from 'kysely';
import type { Readiness } from '../http/routes/system-routes.js';
import { describeUnavailable } from '../store/connection-errors.js';
import type { Database } from '../store/schema.js';

export interface ReadinessInputs {
  db: Kysely<Database>;
  /** Null on a single node (no Redis). */
  redisConnected: () => boolean | null;
  draining: () => boolean;
}

export async function checkReadiness(inputs: ReadinessInputs): Promise<Readiness> {
  // The pool's connect timeout bounds this while the database is unreachable.
  const databaseProblem = await sql`select 1`
    .execute(inputs.db)
    .then(() => undefined)
    .catch((err: unknown) => describeUnavailable(err));
  const redis = inputs.redisConnected();
  const draining = inputs.draining();
  const reasons: string[] = [];
  if (databaseProblem !== undefined) reasons.push(`database unavailable: ${databaseProblem}`);
  if (redis === false) reasons.push('redis unavailable: the cluster bus is disconnected');
  if (draining) reasons.push('draining: the node is shutting down');
  return {
    ready: reasons.length === 0,
    database: databaseProblem === undefined,
    redis,
    draining,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}
