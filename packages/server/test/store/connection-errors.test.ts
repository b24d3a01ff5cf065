/**
 * The "database unavailable" classification, against errors node-postgres really produces: a refused connect, a
 * backend terminated by `pg_terminate_backend` mid-query, the pool's connect timeout against a server that never
 * answers. Bugs and data errors (a syntax error, a unique violation) must not pass for an outage.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { describeUnavailable, isDatabaseUnavailable } from '../../src/store/connection-errors.js';
import { POSTGRES_URL, postgresSkipReason } from '../support/databases.js';

const skip = await postgresSkipReason();

async function rejection(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('isDatabaseUnavailable', () => {
  it('knows the shapes of an outage and nothing else', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '53300']) {
      assert.equal(isDatabaseUnavailable(Object.assign(new Error('x'), { code })), true, code);
    }
    assert.equal(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')), true);
    const dualStack = new AggregateError([
      Object.assign(new Error('a'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('b'), { code: 'ECONNREFUSED' }),
    ]);
    assert.equal(isDatabaseUnavailable(dualStack), true);
    assert.equal(isDatabaseUnavailable(new Error('wrapped', { cause: new Error('Connection terminated') })), true);
    for (const code of ['23505', '42601', '57014', '40001', 'ERR_X']) {
      assert.equal(isDatabaseUnavailable(Object.assign(new Error('x'), { code })), false, code);
    }
    assert.equal(isDatabaseUnavailable(new Error('boom')), false);
    assert.equal(isDatabaseUnavailable(undefined), false);
    assert.equal(isDatabaseUnavailable('ECONNREFUSED'), false);
  });

  it('describes an error with its code once', () => {
    assert.equal(
      describeUnavailable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      'refused (ECONNREFUSED)',
    );
    assert.equal(
      describeUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      'connect ECONNREFUSED',
    );
  });
});

describe('isDatabaseUnavailable on real node-postgres errors', { skip }, () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });

  it('a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` });
    assert.equal(isDatabaseUnavailable(await rejection(() => client.connect())), true);
  });

  it('the backend terminated while its query runs; the errors of a bug stay bugs', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    client.on('error', () => {});
    await client.connect();
    assert.equal(isDatabaseUnavailable(await rejection(() => client.query('selec 1'))), false);
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const killer = new pg.Client({ connectionString: POSTGRES_URL });
    await killer.connect();
    try {
      const running = rejection(() => client.query('select pg_sleep(30)'));
      await killer.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
      assert.equal(isDatabaseUnavailable(await running), true);
      assert.equal(isDatabaseUnavailable(await rejection(() => client.query('select 1'))), true);
    } finally {
      await killer.end();
      await client.end().catch(() => {});
    }
  });

  it("the pool's connect timeout against a server that never answers", async () => {
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      connectionTimeoutMillis: 200,
    });
    try {
      assert.equal(isDatabaseUnavailable(await rejection(() => pool.query('select 1'))), true);
    } finally {
      await pool.end();
    }
  });
});
