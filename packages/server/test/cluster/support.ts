/** What the cluster tests share: whether they can run, and waiting for events on a raw socket. */
import { postgresSkipReason } from '../support/databases.js';
import { redisSkipReason } from '../support/redis.js';

/** Why the cluster tests are skipped (they need PostgreSQL and Redis); throws under CI=true instead. */
export async function clusterSkipReason(): Promise<string | undefined> {
  return (await postgresSkipReason()) ?? (await redisSkipReason());
}
