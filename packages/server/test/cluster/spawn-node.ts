/**
 * Real node processes for the cluster timer and presence tests: `switchboard start` as a child process (through
 * test/cli/run-cli.ts), several on one PostgreSQL schema that the `DATABASE_URL` selects with `search_path`, so a
 * test can `kill -9` one and watch the others take over. Each cluster gets its own schema, dropped afterwards.
 */

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { SignJWT } from 'jose';
import pg from 'pg';
import { stopChild } from '../cli/run-cli.js';
import { POSTGRES_URL } from '../support/databases.js';
import type { TestNode } from '../support/test-node.js';
import { startReadyNode } from './start-node.js';

export interface ClusterSchema {
  /** `DATABASE_URL` for the nodes: the test database with `search_path` set to the schema. */
  url: string;
  schema: string;
  /** Runs SQL in the schema (the test's window on what the nodes committed). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function clusterSchema(): Promise<ClusterSchema> {
  const schema = `cl_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  await admin.query(`set search_path = "${schema}"`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    query: async (text, values) => (await admin.query(text, values)).rows,
    async drop() {
      try {
        await admin.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** A node process, shaped like the TestNode fields the test helpers use (base URL, API key, tokens). */
export interface SpawnedNode {
  child: ChildProcess;
  baseUrl: string;
  apiKey: string;
  serverToken: string;
  userToken(userId: string): Promise<string>;
  /** The helpers in test/realtime/support.ts and test/support/raw-http.ts read only the fields above. */
  asTestNode(): TestNode;
  /** SIGKILL: no shutdown work at all. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), or nothing if it already exited. */
  stop(): Promise<void>;
}

export interface ClusterCredentials {
  apiKey: string;
  apiSecret: string;
}

export function clusterCredentials(): ClusterCredentials {
  return { apiKey: `key-${randomBytes(4).toString('hex')}`, apiSecret: randomBytes(24).toString('hex') };
}

export async function spawnNode(
  db: ClusterSchema,
  credentials: ClusterCredentials,
  settings: Record<string, string> = {},
): Promise<SpawnedNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
  const started = await startReadyNode({
    DATABASE_URL: db.url,
    SWITCHBOARD_API_KEY: credentials.apiKey,
    SWITCHBOARD_API_SECRET: credentials.apiSecret,
    SWITCHBOARD_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...settings,
  });
  const key = new TextEncoder().encode(credentials.apiSecret);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(key);
  const exited = new Promise<void>((resolve) => {
    if (started.child.exitCode !== null || started.child.signalCode !== null) resolve();
    else started.child.once('exit', () => resolve());
  });
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const node: SpawnedNode = {
    child: started.child,
    baseUrl: started.address,
    apiKey: credentials.apiKey,
    serverToken: await sign({ server: true }),
    userToken: (userId) => sign({ user_id: userId }),
    asTestNode: () => node as unknown as TestNode,
    async kill9() {
      started.child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      const child = started.child;
      if (child.exitCode === null && child.signalCode === null) await stopChild(child);
      await exited;
    },
  };
  return node;
}

/**
 * Registers the enclosing suite's hooks for `count` nodes on a fresh schema with one set of credentials and
 * `settings`: the first started alone (it runs the migrations), the others then at once; afterwards every node is
 * stopped and the schema dropped. Tests read `cluster.db` and `cluster.nodes` once the hooks ran.
 */
export function clusterOfNodes(
  count: number,
  settings: Record<string, string>,
): { readonly db: ClusterSchema; readonly nodes: SpawnedNode[] } {
  let db: ClusterSchema | undefined;
  const nodes: SpawnedNode[] = [];
  before(async () => {
    db = await clusterSchema();
    const credentials = clusterCredentials();
    const schema = db;
    if (count > 0) nodes.push(await spawnNode(schema, credentials, settings));
    const others = await Promise.allSettled(
      Array.from({ length: count - 1 }, () => spawnNode(schema, credentials, settings)),
    );
    // Every started one joins the list (so `after` stops it), in the order asked, before any failure is thrown.
    for (const started of others) if (started.status === 'fulfilled') nodes.push(started.value);
    const failed = others.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('the cluster is not started yet (read it inside a test)');
      return db;
    },
    nodes,
  };
}
