import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promiseHooks } from 'node:v8';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { TransactionalDdlSqliteDialect } from './database.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from '../store.js';

/** Promise continuations run while `count` queries wait at once for the connection, per query. */
async function continuationsPerQuery(db: Kysely<unknown>, count: number): Promise<number> {
  let continuations = 0;
  const stop = promiseHooks.onBefore(() => continuations++);
  try {
    const rows = await Promise.all(Array.from({ length: count }, (_, i) => sql<{ i: number }>`select ${i} as i`.execute(db)));
    assert.deepEqual(rows.map((r) => r.rows[0]?.i), Array.from({ length: count }, (_, i) => i));
  } finally {
    stop();
  }
  return continuations / count;
}

describe('SQLite connection queue', () => {
  it('wakes each waiting query once: the work per query does not grow with how many wait', async () => {
    const db = new Kysely<unknown>({ dialect: new TransactionalDdlSqliteDialect({ database: new Database(':memory:') }) });
    try {
      await sql`select 1`.execute(db);
      const few = await continuationsPerQuery(db, 100);
      const many = await continuationsPerQuery(db, 1000);
      // Waking every waiter at each release costs about count / 2 continuations per query: 50 for 100, 500 for 1,000.
      assert.ok(many <= few * 1.1, `${many} promise continuations per query with 1,000 waiting, ${few} with 100`);
    } finally {
      await db.destroy();
    }
  });

  it('hands the connection to 1,000 waiters in the order they asked, before any that asks meanwhile', async () => {
    const driver = new TransactionalDdlSqliteDialect({ database: new Database(':memory:') }).createDriver();
    await driver.init();
    const waiters = 1000;
    const order: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const take = (id: number): void => {
        driver.acquireConnection().then((connection) => {
          order.push(id);
          void driver.releaseConnection(connection);
          // A newcomer asks just as the connection is let go: it must queue behind every earlier waiter.
          if (id < waiters) take(id + waiters);
          if (order.length === 2 * waiters) resolve();
        }, reject);
      };
      for (let id = 0; id < waiters; id++) take(id);
    });
    await driver.destroy();
    assert.deepEqual(order, Array.from({ length: 2 * waiters }, (_, i) => i));
  });

  it('keeps a stream, a transaction and its savepoints to themselves while other queries wait', async () => {
    const db = new Kysely<{ t: { n: number } }>({ dialect: new TransactionalDdlSqliteDialect({ database: new Database(':memory:') }) });
    try {
      await db.schema.createTable('t').addColumn('n', 'integer').execute();
      await db.insertInto('t').values([{ n: 1 }, { n: 2 }, { n: 3 }]).execute();
      const counts: number[] = [];
      const count = async () => counts.push(Number((await db.selectFrom('t').select((e) => e.fn.countAll().as('c')).executeTakeFirstOrThrow()).c));
      const streamed: number[] = [];
      const trx = await db.startTransaction().execute();
      const stream = async () => {
        for await (const row of db.selectFrom('t').select('n').orderBy('n').stream()) streamed.push(row.n);
      };
      const waiting = [count(), stream(), count()];
      await trx.insertInto('t').values({ n: 4 }).execute();
      const point = await trx.savepoint('undone').execute();
      await point.insertInto('t').values({ n: 5 }).execute();
      await point.rollbackToSavepoint('undone').execute();
      await point.releaseSavepoint('undone').execute();
      await trx.commit().execute();
      await Promise.all(waiting);
      assert.deepEqual(counts, [4, 4], 'reads waited for the commit, without the rolled back row');
      assert.deepEqual(streamed, [1, 2, 3, 4]);
    } finally {
      await db.destroy();
    }
  });
});

describe('SQLite store under 10,000 queries at once', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-fifo-'));
    store = await openSqliteStore(join(dir, 'store.sqlite'));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every read right, with transactions committing among them', async () => {
    const owner = await store.createUser({ name: 'owner', role: 'user', passwordHash: null, createdAt: '2026-01-01T00:00:00.000Z' });
    const created = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.createWorkspace({ name: `ws-${i}`, ownerId: owner.id, createdAt: '2026-01-01T00:00:00.000Z' })),
    );
    const reads = Array.from({ length: 10_000 }, (_, i) => store.getWorkspace(created[i % created.length]!.id));
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.transaction(async (tx) => {
        const ws = await tx.createWorkspace({ name: `late-${i}`, ownerId: owner.id, createdAt: '2026-01-01T00:00:00.000Z' });
        if (i % 2 === 1) throw new Error(`undone ${i}`);
        return ws;
      }),
    );
    const read = await Promise.all(reads);
    assert.deepEqual(
      read.map((ws) => ws?.name),
      Array.from({ length: 10_000 }, (_, i) => `ws-${i % created.length}`),
    );
    const written = await Promise.allSettled(writes);
    assert.deepEqual(
      written.map((w) => (w.status === 'fulfilled' ? w.value.name : String(w.reason))),
      Array.from({ length: 50 }, (_, i) => (i % 2 === 1 ? `Error: undone ${i}` : `late-${i}`)),
    );
    for (let i = 0; i < 50; i++) assert.equal((await store.getWorkspaceByName(`late-${i}`))?.name, i % 2 === 1 ? undefined : `late-${i}`);
  });
});
