/**
 * When a failed delivery is tried again. The schedule lists the waits after the 1st, 2nd, … failed attempt; after
 * the last one the delivery is dead-lettered. Each wait is jittered by ±20% so retries of many deliveries that
 * failed together (an endpoint outage) do not all arrive together when it comes back.
 */

/** About 25 hours over 13 attempts: quick retries for blips, then hours for a receiver that is down for the night. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 30_000, 120_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 14_400_000, 21_600_000,
  28_800_000,
];

/** About 50 minutes over 8 attempts: a push is about something happening now, so it is not kept for a day. */
export const DEFAULT_PUSH_RETRY_SCHEDULE_MS: readonly number[] = [
  1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 1_800_000,
];

const JITTER = 0.2;

/** Parses `100,200,400` (milliseconds); throws naming the setting on anything else. */
export function parseRetrySchedule(raw: string, setting = 'SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE_MS'): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const waits = parts.map(Number);
  if (
    parts.length === 0 ||
    parts.length > 100 ||
    waits.some((w, i) => parts[i] === '' || !Number.isInteger(w) || w < 0)
  ) {
    throw new Error(`${setting} must be a comma-separated list of 1-100 integers ≥ 0, got ${raw}`);
  }
  return waits;
}

/**
 * The wait before the next attempt after `attempts` attempts failed, or undefined when the schedule is used up.
 * `random` is in [0, 1).
 */
export function retryDelay(schedule: readonly number[], attempts: number, random: number): number | undefined {
  const wait = schedule[attempts - 1];
  if (wait === undefined) return undefined;
  return Math.round(wait * (1 - JITTER + 2 * JITTER * random));
}
