import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, startServer } from '@narrative/server';
import { ServerProcesses } from '../support/server-process.js';
import { figure, interleave, median, since, type Benchmark, type Figure } from './benchmark.js';
import { ApiObjects } from './store-api.js';
import { onPostgres } from './store-postgres.js';
import { RawObjects, REPORT } from './store-raw.js';

const ROUNDS = 7;
/** The data directory's SQLite file (the server's embedded store). */
const SQLITE_FILE = 'narrative.sqlite';
const RAW = 'raw better-sqlite3 prepared statements, one transaction per save';
const RAW_GETS = 'raw better-sqlite3 prepared selects of the version and its files';
const LIST_OBJECTS = 10_000;
const PAGE = 100;

/**
 * Object saves and gets per second, through the server's own Store (in
 * process) and through the HTTP API of a real server process with 1 and 8
 * clients, each read against raw better-sqlite3 statements doing the same on
 * the same database file, interleaved; one list page from the middle of a
 * 10,000-object workspace; and saves and gets through the Store on a
 * throwaway PostgreSQL against the pg driver's own statements.
 */
const storeBenchmark: Benchmark = {
  name: 'store',
  title: 'Object saves, gets and list pages: the store and the HTTP API against raw SQLite (and PostgreSQL)',
  async run(): Promise<Figure[]> {
    return [...(await throughStore()), ...(await throughApi()), ...(await onPostgres(5))];
  },
};

async function throughStore(): Promise<Figure[]> {
  const home = await mkdtemp(join(tmpdir(), 'narrative-bench-store-'));
  const server = await startServer(loadConfig({ home, port: 0, logLevel: 'silent', kernels: { enabled: false, python: '/usr/bin/python3' }, bundledApps: 'off' }));
  const raw = new RawObjects(join(home, SQLITE_FILE));
  try {
    const store = server.ctx.store;
    const admin = (await store.findUserByName('admin')) ?? failure('the server made no admin');
    const at = new Date().toISOString();
    const mine = await store.createWorkspace({ name: 'bench-store', ownerId: admin.id, createdAt: at });
    const theirs = await store.createWorkspace({ name: 'bench-raw', ownerId: admin.id, createdAt: at });
    const save = (name: string) => {
      const savedAt = new Date().toISOString();
      return store.insertVersion({
        wsid: mine.id, name, type: REPORT, data: { title: name }, size: 20, savedBy: admin.id, savedAt,
        provenance: { kind: 'save', user: admin.name, at: savedAt, inputs: [] }, copiedFrom: null, files: [], parents: [],
      });
    };
    const saves = { store: 200, raw: 400 };
    let round = 0;
    const saved = await interleave(
      ROUNDS,
      () => rate(saves.store, async (i) => void (await save(`s${round}-${i}`))),
      () => rate(saves.raw, async (i) => raw.save(theirs.id, `r${round++}-${i}`, { title: 'raw' }, admin.id)),
    );
    const gets = { store: 2000, raw: 4000 };
    const got = await interleave(
      ROUNDS,
      () => rate(gets.store, async (i) => void (await store.getVersion({ wsid: mine.id, objid: 1 + (i % saves.store), ver: 1 }))),
      () => rate(gets.raw, async (i) => void raw.get(theirs.id, 1 + (i % saves.raw), 1)),
    );
    return [
      figure({ name: 'saves through the store', unit: 'saves/s', samples: saved.measured, baseline: { name: RAW, samples: saved.baseline }, target: { ratio: 0.5, at: 'least' }, notes: 'one new object per save, SQLite (WAL, synchronous FULL), in process' }),
      figure({ name: 'gets through the store', unit: 'gets/s', samples: got.measured, baseline: { name: RAW_GETS, samples: got.baseline }, target: { ratio: 0.5, at: 'least' } }),
    ];
  } finally {
    raw.close();
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
}

async function throughApi(): Promise<Figure[]> {
  const servers = new ServerProcesses();
  try {
    const home = await servers.newHome('narrative-bench-store-api-');
    const served = await servers.serve(home);
    const raw = new RawObjects(join(home, SQLITE_FILE));
    try {
      const api = new ApiObjects(served.url, served.token);
      const admin = raw.userId('admin');
      const [mine, theirs, listed] = await Promise.all(['bench-api', 'bench-raw', 'bench-list'].map(async (name) => (await served.client.createWorkspace(name)).id)) as [number, number, number];
      let round = 0;
      const rawSaves = () => settled(rate(500, async (i) => raw.save(theirs, `r${round++}-${i}`, { title: 'raw' }, admin)));
      const apiSaves = (clients: number, each: number) => async () => {
        const started = performance.now();
        const tag = round++;
        await Promise.all(Array.from({ length: clients }, async (_, client) => {
          for (let i = 0; i < each; i++) await api.save(mine, `a${tag}-${client}-${i}`, { title: 'api' });
        }));
        return (clients * each) / (since(started) / 1000);
      };
      await apiSaves(2, 50)();
      const saves = await alternate(ROUNDS, { one: apiSaves(1, 150), eight: apiSaves(8, 30), raw: rawSaves });

      const objects = await api.count(mine);
      const rawGets = () => settled(rate(3000, async (i) => void raw.get(theirs, 1 + (i % 500), 1)));
      const apiGets = (clients: number, each: number) => async () => {
        const started = performance.now();
        await Promise.all(Array.from({ length: clients }, async (_, client) => {
          for (let i = 0; i < each; i++) await api.get(mine, 1 + ((client * each + i) % objects), 1);
        }));
        return (clients * each) / (since(started) / 1000);
      };
      const gets = await alternate(ROUNDS, { one: apiGets(1, 300), eight: apiGets(8, 40), raw: rawGets, health: () => rate(300, () => api.health()) });

      raw.fill(listed, 'o', LIST_OBJECTS, admin);
      const middle = LIST_OBJECTS / 2;
      const pages = await interleave(
        ROUNDS,
        () => timeOf(10, () => api.pageAfter(listed, middle, PAGE)),
        () => settled(timeOf(10, async () => void raw.page(listed, middle, PAGE))),
      );
      const apiFigure = (name: string, samples: { measured: number[]; baseline: number[] }, unit: string, notes: string) =>
        figure({ name, unit, samples: samples.measured, baseline: { name: unit === 'gets/s' ? RAW_GETS : RAW, samples: samples.baseline }, target: { ratio: 0.25, at: 'least' }, notes });
      return [
        apiFigure('saves through the HTTP API, 1 client', { measured: saves.one, baseline: saves.raw }, 'saves/s', 'POST /workspaces/{ws}/objects, keep-alive, a real server process'),
        apiFigure('saves through the HTTP API, 8 clients', { measured: saves.eight, baseline: saves.raw }, 'saves/s', '8 clients at once, each saving one after another'),
        figure({
          name: 'save throughput, 8 clients against 1', unit: 'saves/s', samples: saves.eight, baseline: { name: 'the same with 1 client', samples: saves.one },
          target: { ratio: 1.5, at: 'least' }, notes: 'concurrent saves should share commits (group commit); the 2 cores also run the 8 clients',
        }),
        apiFigure('gets through the HTTP API, 1 client', { measured: gets.one, baseline: gets.raw }, 'gets/s', 'GET /objects/{ws}/{obj}/{ver}'),
        apiFigure('gets through the HTTP API, 8 clients', { measured: gets.eight, baseline: gets.raw }, 'gets/s', '8 clients at once'),
        figure({
          name: 'gets through the HTTP API against its floor', unit: 'gets/s', samples: gets.one,
          baseline: { name: 'GET /health: an HTTP round trip with no caller to authenticate and one small query', samples: gets.health }, target: { ratio: 0.5, at: 'least' },
          notes: 'what the HTTP layer costs: the floor no get through the API can pass, 1 client',
        }),
        figure({
          name: `one list page of ${PAGE} in the middle of ${LIST_OBJECTS.toLocaleString('en')} objects`, unit: 'ms', samples: pages.measured,
          baseline: { name: 'a raw keyset select of the same page and its files', samples: pages.baseline }, target: { ratio: 10, at: 'most' },
          notes: `target under 10 ms absolute: ${median(pages.measured).toFixed(1)} ms (${api.pagingBy}), GET /workspaces/{ws}/objects`,
        }),
      ];
    } finally {
      raw.close();
    }
  } finally {
    await servers.cleanup();
  }
}

/**
 * Each measurement once per round, starting one further along the list each
 * round: as `interleave` does for two, so that a busy moment on a shared
 * machine weighs on all of them alike.
 */
async function alternate<K extends string>(rounds: number, measures: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const keys = Object.keys(measures) as K[];
  const samples = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round) % keys.length]!;
      samples[key].push(await measures[key]());
    }
  }
  return samples;
}

/** Calls per second over `count` calls of `call`, one after another. */
async function rate(count: number, call: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await call(i);
  return count / (since(started) / 1000);
}

/**
 * A raw phase's result once the event loop has turned: better-sqlite3 holds
 * it for the whole phase, and fetch must see the keep-alive connections the
 * server closed meanwhile before it reuses one.
 */
async function settled<T>(phase: Promise<T>): Promise<T> {
  const result = await phase;
  await sleep(50);
  return result;
}

/** The median time of `times` calls, in milliseconds. */
async function timeOf(times: number, call: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await call();
    samples.push(since(started));
  }
  return median(samples);
}

function failure(message: string): never {
  throw new Error(message);
}

export default storeBenchmark;
