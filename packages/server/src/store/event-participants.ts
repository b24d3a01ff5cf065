/**
 * The participants a call event embeds: each user's oldest participation still in the session, oldest first. A
 * user joined many times (several devices, tabs, or on purpose) appears once, so an event carries each user's
 * details once however many participations they hold. Both dialects (window functions: SQLite 3.25+,
 * PostgreSQL); one pass over the session's active participants, sorted once.
 */
import type { SessionParticipantsTable } from './schema.js';
import type { Repositories } from './store.js';

export async function firstParticipationOfEachUser(
  repos: Repositories,
  sessionId: string,
  limit: number,
): Promise<SessionParticipantsTable[]> {
  const ranked = repos.db
    .selectFrom('session_participants')
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy('user_id').orderBy('joined_at').orderBy('user_session_id'))
        .as('nth_of_user'),
    )
    .where('session_id', '=', sessionId)
    .where('left_at', 'is', null);
  const rows = await repos.db
    .selectFrom(ranked.as('ranked'))
    .selectAll()
    .where('nth_of_user', '=', 1)
    .orderBy('joined_at')
    .orderBy('user_session_id')
    .limit(limit)
    .execute();
  return rows.map(({ nth_of_user: _nth, ...row }) => row);
}
