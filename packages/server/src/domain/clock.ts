/** Time source, injectable so ring timeouts and timestamps can be tested with a fake clock. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** RFC 3339 UTC with milliseconds: fixed width, so string order is time order. */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

/** Normalises any parseable date-time to the stored format. */
export function toStoredTime(value: string): string {
  return new Date(value).toISOString();
}
