/** Reads a cluster's outbox straight from its PostgreSQL schema (what was stored, whatever the nodes say). */
import pg from 'pg';

export interface OutboxRow {
  type: string;
  payload: Record<string, unknown>;
}

/** Every outbox row of `cid`, oldest first. */
export async function outboxRows(databaseUrl: string, cid: string): Promise<OutboxRow[]> {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const rows = await client.query<{ event_type: string; payload: string }>(
      `select event_type, payload from ${client.escapeIdentifier(schema ?? 'public')}.outbox where call_cid = $1 order by id`,
      [cid],
    );
    return rows.rows.map((r) => ({ type: r.event_type, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  } finally {
    await client.end();
  }
}

/** The `custom.n` of every custom event of `cid` in the outbox. */
export async function storedCustomNumbers(databaseUrl: string, cid: string): Promise<number[]> {
  return (await outboxRows(databaseUrl, cid))
    .filter((r) => r.type === 'custom')
    .map((r) => (r.payload.custom as { n?: number } | undefined)?.n)
    .filter((n): n is number => typeof n === 'number');
}
