import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { needsPostgres, sharedPostgresCluster, type PostgresCluster } from '../../testing/postgres-cluster.js';
import { app, at, job, owned, range, version } from '../contract/seed.js';
import { openPostgresStore } from '../postgres/postgres-store.js';
import { openSqliteStore } from '../sqlite/sqlite-store.js';
import type { Store } from '../store.js';
import { migrateSqliteToPostgres, type CopyProgress } from './sqlite-to-postgres.js';

/** An SQLite store with rows in every kind of table the copy must carry, some larger than a batch. */
async function seeded(file: string): Promise<void> {
  const store = await openSqliteStore(file);
  try {
    const { owner, ws } = await owned(store);
    const first = await store.insertVersion(version(ws, owner, 'reads'));
    for (const n of range(1200)) await store.insertVersion(version(ws, owner, `contigs-${n}`, { parents: [{ ref: { wsid: ws.id, ...first }, relation: 'input' }], data: { n, text: 'é ☃ \u{1F600}' } }));
    await store.recordBlob({ sha256: 'a'.repeat(64), size: 5, uploadedBy: owner.id, at: at(2) });
    const registered = app(owner);
    await store.registerApp(registered);
    const id = await store.createJob(job(owner, ws, registered));
    await store.appendJobEvent(id, at(3), { state: 'queued' });
    await store.putLabSettings(owner.id, '@jupyterlab/apputils-extension:themes', '{"theme": "JupyterLab Dark"}', at(4));
  } finally {
    await store.close();
  }
}

describe('narrative db migrate: SQLite into PostgreSQL', { skip: needsPostgres() }, () => {
  let dir: string;
  let cluster: PostgresCluster;
  const file = () => join(dir, 'narrative.sqlite');
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-migrate-'));
    await seeded(file());
    cluster = await sharedPostgresCluster();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('copies every row, and the PostgreSQL store reads what the SQLite one did, new ids after the copied ones', async () => {
    const url = await cluster.createDatabase('migrate_whole');
    const seen: CopyProgress[] = [];
    const report = await migrateSqliteToPostgres(file(), url, (p) => seen.push(p));
    assert.equal(report.resumed, false);
    assert.equal(report.tables.find((t) => t.name === 'object_versions')?.rows, 1201);
    assert.ok(seen.some((p) => p.table === 'object_versions' && p.copied === 1201 && p.total === 1201));
    const [source, target] = [await openSqliteStore(file()), await openPostgresStore(url)];
    try {
      await sameReads(source, target);
      const ws = (await target.getWorkspaceByName('alice-ws'))!;
      const owner = (await target.findUserByName('alice'))!;
      const next = await target.insertVersion(version(ws, owner, 'after-the-move'));
      assert.equal(next.objid, 1202, 'the workspace goes on numbering its objects');
      const bob = await target.createUser({ name: 'bob', role: 'user', passwordHash: null, createdAt: at(9) });
      assert.equal(bob.id, owner.id + 1, 'the id sequence starts after the copied ids');
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('takes up a copy that stopped, and refuses to run again once finished', async () => {
    const url = await cluster.createDatabase('migrate_resumed');
    const stopAt = (p: CopyProgress) => {
      if (p.table === 'object_versions' && p.copied >= 500) throw new Error('the connection dropped');
    };
    await assert.rejects(migrateSqliteToPostgres(file(), url, stopAt), /the connection dropped/);
    await assert.rejects(openPostgresStore(url), /has not finished/, 'a server does not start on half a copy');
    const report = await migrateSqliteToPostgres(file(), url);
    assert.equal(report.resumed, true);
    assert.equal(report.tables.find((t) => t.name === 'object_versions')?.rows, 1201);
    await assert.rejects(migrateSqliteToPostgres(file(), url), /already holds a finished copy/);
  });

  it('refuses a database that already holds data', async () => {
    const url = await cluster.createDatabase('migrate_taken');
    const other = await openPostgresStore(url);
    await other.createUser({ name: 'someone', role: 'user', passwordHash: null, createdAt: at(0) });
    await other.close();
    await assert.rejects(migrateSqliteToPostgres(file(), url), /not empty \(table users has rows\)/);
  });

  it('refuses a database with tables of its own, and a data directory without a store', async () => {
    const url = await cluster.createDatabase('migrate_foreign');
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('create table invoices (id integer)');
    await other.end();
    await assert.rejects(migrateSqliteToPostgres(file(), url), /not empty \(it has tables invoices\)/);
    await assert.rejects(migrateSqliteToPostgres(join(dir, 'elsewhere', 'narrative.sqlite'), url), /no SQLite store at/);
  });
});

async function sameReads(a: Store, b: Store): Promise<void> {
  assert.deepEqual(await b.listUsers(), await a.listUsers());
  const ws = (await a.getWorkspaceByName('alice-ws'))!;
  assert.deepEqual(await b.getWorkspaceByName('alice-ws'), ws);
  const page = { limit: 2000, offset: 0 };
  assert.deepEqual(await b.listObjects(ws.id, page), await a.listObjects(ws.id, page));
  const lineage = (store: Store) => store.lineagePage({ wsid: ws.id, objid: 1, ver: 1 }, { direction: 'descendants', limit: 2000 });
  const descendants = await lineage(a);
  assert.equal(descendants.links.length, 1200);
  assert.deepEqual(await lineage(b), descendants);
  assert.deepEqual(await b.listApps(), await a.listApps());
  assert.deepEqual(await b.getJob(1), await a.getJob(1));
  const owner = (await a.findUserByName('alice'))!;
  assert.deepEqual(await b.labSettings(owner.id), await a.labSettings(owner.id));
}
