/**
 * The participants a call event embeds: each user's oldest participation still in the session, oldest first. A
 * user joined many times (several devices, tabs, or on purpose) appears once, so an event carries each user's
 * details once however many participations they hold. Both dialects; `NOT EXISTS` keeps it one statement.
 */
import { sql } from 'kysely';
import type { SessionParticipantsTable } from './schema.js';
import type { Repositories } from './store.js';

export function firstParticipationOfEachUser(
  repos: Repositories,
  sessionId: string,
  limit: number,
): Promise<SessionParticipantsTable[]> {
  return repos.db
    .selectFrom('session_participants as p')
    .selectAll('p')
    .where('p.session_id', '=', sessionId)
    .where('p.left_at', 'is', null)
    .where(({ eb, exists, not, selectFrom }) =>
      not(
        exists(
          selectFrom('session_participants as older')
            .select(sql<number>`1`.as('one'))
            .whereRef('older.session_id', '=', 'p.session_id')
            .whereRef('older.user_id', '=', 'p.user_id')
            .where('older.left_at', 'is', null)
            .where((o) =>
              o.or([
                o('older.joined_at', '<', eb.ref('p.joined_at')),
                o.and([
                  o('older.joined_at', '=', eb.ref('p.joined_at')),
                  o('older.user_session_id', '<', eb.ref('p.user_session_id')),
                ]),
              ]),
            ),
        ),
      ),
    )
    .orderBy('p.joined_at')
    .orderBy('p.user_session_id')
    .limit(limit)
    .execute();
}
