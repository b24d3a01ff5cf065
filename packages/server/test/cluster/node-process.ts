/**
 * A cluster for tests: N `switchboard start` child processes (the real binary, as an operator runs it) sharing one
 * PostgreSQL schema of their own (`DATABASE_URL?schema=`), one Redis, one api key and secret, logs silenced. Each
 * node can be stopped (SIGTERM, drains), killed (SIGKILL) or started anew; the cluster drops its schema at the end.
 *
 * A node exposes the fields the raw-HTTP and raw-WebSocket helpers read (`baseUrl`, `apiKey`, `serverToken`,
 * `userToken`), so `raw(node.view, …)` and `TestSocket.connect(node.view, …)` talk to that one node.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { SignJWT } from 'jose';
import { tempDataDir } from '../cli/run-cli.js';
import { freshDatabase } from '../support/databases.js';
import { REDIS_URL } from '../support/redis.js';
import type { TestNode } from '../support/test-node.js';
import { type StartedNode, startReadyNode } from './start-node.js';

export interface ClusterOptions {
  /** Default: the machine's shared Redis. */
  redisUrl?: string;
  /** Extra environment for every node (short presence grace, shutdown timeout, …). */
  env?: Record<string, string>;
}

/** A node that runs other code than the `switchboard` bin: the node arguments before `start`, and its environment. */
export interface NodeRelease {
  entry: string[];
  env?: Record<string, string>;
}

export class NodeProcess {
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly baseUrl: string,
    /** What raw() / TestSocket need to address this node. */
    readonly view: TestNode,
  ) {}

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the node drains) and resolves with the exit code once it exited. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  /** SIGKILL: the node dies without any goodbye. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

export class Cluster {
  readonly nodes: NodeProcess[] = [];
  readonly apiKey = `cluster-${randomBytes(6).toString('hex')}`;
  readonly apiSecret = randomBytes(24).toString('hex');
  private readonly database = freshDatabase('postgres');
  private readonly dataDir = tempDataDir();
  private serverTokenValue = '';

  private constructor(private readonly options: ClusterOptions) {}

  /**
   * Starts `count` nodes: the first alone (it migrates the schema), then the others at once (they find it migrated).
   */
  static async start(count: number, options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(options);
    cluster.serverTokenValue = await cluster.sign({ server: true });
    try {
      if (count > 0) await cluster.startNode();
      const others = await Promise.allSettled(Array.from({ length: count - 1 }, () => cluster.spawn()));
      // Every started one joins the list (so close() stops it), in the order asked, before any failure is thrown.
      for (const started of others) if (started.status === 'fulfilled') cluster.adopt(started.value);
      const failed = others.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get serverToken(): string {
    return this.serverTokenValue;
  }

  userToken(userId: string): Promise<string> {
    return this.sign({ user_id: userId });
  }

  node(i: number): NodeProcess {
    const node = this.nodes[i];
    if (!node) throw new Error(`no node ${i}`);
    return node;
  }

  /** The nodes' DATABASE_URL: the test database with this cluster's own schema. */
  get databaseUrl(): string {
    const db = this.database.options;
    if (db.kind !== 'postgres' || !db.schema) throw new Error('cluster tests need a PostgreSQL schema');
    const url = new URL(db.url);
    url.searchParams.set('schema', db.schema);
    return url.toString();
  }

  /**
   * Starts one more node on a free port; resolves once it is ready (`/readyz`). `release` runs other code than the
   * `switchboard` bin (its node arguments and extra environment), as the upgrade test's later release.
   */
  async startNode(release?: NodeRelease): Promise<NodeProcess> {
    return this.adopt(await this.spawn(release));
  }

  private spawn(release?: NodeRelease): Promise<StartedNode> {
    return startReadyNode(
      {
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: this.options.redisUrl ?? REDIS_URL,
        SWITCHBOARD_API_KEY: this.apiKey,
        SWITCHBOARD_API_SECRET: this.apiSecret,
        SWITCHBOARD_DATA_DIR: this.dataDir.dir,
        PORT: '0',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        ...this.options.env,
        ...release?.env,
      },
      release?.entry,
    );
  }

  private adopt({ child, address }: StartedNode): NodeProcess {
    const name = String.fromCharCode(65 + this.nodes.length);
    const view = {
      baseUrl: address,
      apiKey: this.apiKey,
      apiSecret: this.apiSecret,
      serverToken: this.serverTokenValue,
      userToken: (userId: string) => this.userToken(userId),
    } as unknown as TestNode;
    const node = new NodeProcess(name, child, address, view);
    this.nodes.push(node);
    return node;
  }

  /** Kills what still runs and drops the schema. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    await this.database.drop();
    this.dataDir.remove();
  }

  private sign(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .sign(new TextEncoder().encode(this.apiSecret));
  }
}
