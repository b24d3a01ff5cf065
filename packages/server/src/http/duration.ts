/** `duration` of a response: milliseconds since `startedAt` (a `performance.now()` reading), e.g. `0.42ms`. */
export function formatDuration(startedAt: number): string {
  return `${(performance.now() - startedAt).toFixed(2)}ms`;
}
