/**
 * The storage boundary services use. `read` gives repositories over the database; `transaction` runs a unit of
 * work whose writes (state and outbox events) commit together or not at all.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import { CallStore } from './call-store.js';
import { CallTypeStore } from './call-type-store.js';
import type { Dialect, SqlDatabase } from './database.js';
import { MemberStore } from './member-store.js';
import { OutboxGroupCommit } from './outbox-group-commit.js';
import { OutboxStore } from './outbox-store.js';
import type { Database } from './schema.js';
import { SessionStore } from './session-store.js';
import { UserStore } from './user-store.js';

export class Repositories {
  readonly users: UserStore;
  readonly callTypes: CallTypeStore;
  readonly calls: CallStore;
  readonly members: MemberStore;
  readonly sessions: SessionStore;
  readonly outbox: OutboxStore;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
  ) {
    this.users = new UserStore(db, dialect);
    this.callTypes = new CallTypeStore(db);
    this.calls = new CallStore(db, dialect);
    this.members = new MemberStore(db, dialect);
    this.sessions = new SessionStore(db, dialect);
    this.outbox = new OutboxStore(db);
  }
}

export class Store {
  readonly dialect: Dialect;
  /** Outbox appends of writes that change no state, written in groups (outbox-group-commit.ts). */
  readonly outboxGroup: OutboxGroupCommit;
  private readonly root: Repositories;
  /**
   * With `checkTransactionReads`, marks code running inside `transaction`: reading through the root connection
   * there is a bug (on SQLite the transaction holds the only connection, so it would wait forever), and `read`
   * then fails fast. Off by default because AsyncLocalStorage puts a hook on every promise of the process (about
   * 9% of a cached GetOrCreate's throughput); the test suite turns it on.
   */
  private readonly insideTransaction: AsyncLocalStorage<true> | undefined;

  constructor(
    private readonly database: SqlDatabase,
    options: { checkTransactionReads?: boolean } = {},
  ) {
    this.root = new Repositories(database.db, database.dialect);
    this.dialect = database.dialect;
    this.outboxGroup = new OutboxGroupCommit(database.db);
    this.insideTransaction = options.checkTransactionReads ? new AsyncLocalStorage<true>() : undefined;
  }

  /** Repositories over the root connection, for work outside any transaction. */
  get read(): Repositories {
    if (this.insideTransaction?.getStore()) {
      throw new Error('store.read used inside a transaction: use the transaction repositories');
    }
    return this.root;
  }

  get db(): Kysely<Database> {
    return this.database.db;
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    const run = () => this.database.db.transaction().execute((trx) => work(new Repositories(trx, this.dialect)));
    return this.insideTransaction ? this.insideTransaction.run(true, run) : run();
  }

  async close(): Promise<void> {
    await this.outboxGroup.drain();
    await this.database.close();
  }
}
