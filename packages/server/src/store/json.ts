/** JSON columns are text in both dialects: one place parses and prints them. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}
export const toJson = (value: unknown): string => JSON.stringify(value ?? null);
