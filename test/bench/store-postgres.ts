import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, startServer } from '@narrative/server';
import { startPostgresCluster } from '@narrative/server/testing';
import { figure, interleave, since, type Figure } from './benchmark.js';
import { REPORT } from './store-raw.js';

const RAW = 'raw pg prepared statements, one transaction per save';
const SELECT_VERSION = `select v.wsid, v.objid, v.ver, o.name, v.type, v.data, v.size, u.name as saved_by, v.saved_at, v.provenance, v.copied_from, o.latest_ver, v.summary, o.hidden_at
  from object_versions v join objects o on o.wsid = v.wsid and o.objid = v.objid join users u on u.id = v.saved_by where v.wsid = $1 and v.objid = $2 and v.ver = $3`;

/**
 * Saves and gets through the server's Store on a throwaway PostgreSQL,
 * against the pg driver's prepared statements doing the same (the
 * workspace's row locked as the store locks it), interleaved.
 */
export async function onPostgres(rounds: number): Promise<Figure[]> {
  const cluster = await startPostgresCluster();
  const home = await mkdtemp(join(tmpdir(), 'narrative-bench-store-pg-'));
  let pool: pg.Pool | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const url = await cluster.createDatabase('bench');
    server = await startServer(loadConfig({ home, databaseUrl: url, port: 0, logLevel: 'silent', kernels: { enabled: false, python: '/usr/bin/python3' }, bundledApps: 'off' }));
    const store = server.ctx.store;
    const admin = (await store.findUserByName('admin')) ?? failure('the server made no admin');
    const at = new Date().toISOString();
    const mine = await store.createWorkspace({ name: 'bench-store', ownerId: admin.id, createdAt: at });
    const theirs = await store.createWorkspace({ name: 'bench-raw', ownerId: admin.id, createdAt: at });
    pool = new pg.Pool({ connectionString: url, max: 1 });
    const client = await pool.connect();
    try {
      const rawSave = async (name: string) => {
        const savedAt = new Date().toISOString();
        await client.query('begin');
        await client.query({ name: 'lock', text: 'select id from workspaces where id = $1 for update', values: [theirs.id] });
        const head = await client.query({ name: 'head', text: 'select objid, latest_ver from objects where wsid = $1 and name = $2', values: [theirs.id, name] });
        if (head.rowCount !== 0) throw new Error(`raw save of ${name}: saved already`);
        const next = await client.query<{ next_objid: string }>({ name: 'next', text: 'update workspaces set next_objid = next_objid + 1 where id = $1 returning next_objid', values: [theirs.id] });
        const objid = Number(next.rows[0]!.next_objid) - 1;
        await client.query({ name: 'object', text: 'insert into objects (wsid, objid, name, latest_ver, created_at) values ($1, $2, $3, 1, $4)', values: [theirs.id, objid, name, savedAt] });
        const provenance = JSON.stringify({ kind: 'save', user: admin.name, at: savedAt, inputs: [] });
        await client.query({
          name: 'version',
          text: 'insert into object_versions (wsid, objid, ver, type, data, size, saved_by, saved_at, provenance) values ($1, $2, 1, $3, $4, 20, $5, $6, $7)',
          values: [theirs.id, objid, REPORT, JSON.stringify({ title: name }), admin.id, savedAt, provenance],
        });
        await client.query('commit');
      };
      const rawGet = async (objid: number) => {
        const row = await client.query<{ data: string; provenance: string }>({ name: 'get', text: SELECT_VERSION, values: [theirs.id, objid, 1] });
        const files = await client.query({ name: 'files', text: 'select name, sha256, size from object_files where wsid = $1 and objid = $2 and ver = $3 order by name', values: [theirs.id, objid, 1] });
        return { ...row.rows[0], data: JSON.parse(row.rows[0]!.data) as unknown, provenance: JSON.parse(row.rows[0]!.provenance) as unknown, files: files.rows };
      };
      const storeSave = (name: string) => {
        const savedAt = new Date().toISOString();
        return store.insertVersion({
          wsid: mine.id, name, type: REPORT, data: { title: name }, size: 20, savedBy: admin.id, savedAt,
          provenance: { kind: 'save', user: admin.name, at: savedAt, inputs: [] }, copiedFrom: null, files: [], parents: [],
        });
      };
      let round = 0;
      const count = 80;
      const saved = await interleave(
        rounds,
        () => rate(count, async (i) => void (await storeSave(`s${round}-${i}`))),
        () => rate(count, async (i) => rawSave(`r${round++}-${i}`)),
      );
      const got = await interleave(
        rounds,
        () => rate(400, async (i) => void (await store.getVersion({ wsid: mine.id, objid: 1 + (i % count), ver: 1 }))),
        () => rate(400, async (i) => void (await rawGet(1 + (i % count)))),
      );
      return [
        figure({ name: 'saves through the store on PostgreSQL', unit: 'saves/s', samples: saved.measured, baseline: { name: RAW, samples: saved.baseline }, target: { ratio: 0.5, at: 'least' }, notes: 'a throwaway PostgreSQL on a Unix socket, one connection busy at a time' }),
        figure({ name: 'gets through the store on PostgreSQL', unit: 'gets/s', samples: got.measured, baseline: { name: 'raw pg prepared selects of the version and its files', samples: got.baseline }, target: { ratio: 0.5, at: 'least' } }),
      ];
    } finally {
      client.release();
    }
  } finally {
    await pool?.end();
    await server?.close();
    await cluster.stop();
    await rm(home, { recursive: true, force: true });
  }
}

async function rate(count: number, call: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await call(i);
  return count / (since(started) / 1000);
}

function failure(message: string): never {
  throw new Error(message);
}
