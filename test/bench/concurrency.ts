import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NarrativeClient } from '@narrative/server/client';
import { ServerProcesses } from '../support/server-process.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';
import { figure, type Benchmark, type Figure } from './benchmark.js';
import { KeepAliveHttp } from './concurrency/http.js';
import { Recorder } from './concurrency/recorder.js';
import { simulateUser, type Account, type Pace } from './concurrency/user.js';
import { memoryOf, resetPeak } from './process-memory.js';

const USERS = Number(process.env.NARRATIVE_BENCH_CONCURRENCY_USERS ?? 100);
const SECONDS = Number(process.env.NARRATIVE_BENCH_CONCURRENCY_SECONDS ?? 120);
const THINK_MS = Number(process.env.NARRATIVE_BENCH_CONCURRENCY_THINK_MS ?? 250);
/** 20 s keeps the local scheduler's two slots saturated with 100 users (measured: ~1.2 jobs/s is all it finishes here). */
const JOB_EVERY_SECONDS = Number(process.env.NARRATIVE_BENCH_CONCURRENCY_JOB_SECONDS ?? 60);
/** No job starts in the last seconds of the load: what is left queued then must drain within the benchmark's time. */
const NO_NEW_JOBS_LAST_SECONDS = 30;
const SOLO_SECONDS = 15;
const HEALTH_SECONDS = 5;
const KINDS = ['list workspaces', 'list objects', 'get object', 'save object', 'run job', 'job, submitted to end message'];

/**
 * Many people on one server over loopback, each with an account of their own:
 * browsing, opening and saving objects, and running the test app on the local
 * scheduler while following its log over the job websocket. Each request
 * kind's latency is read against the same kind for one user alone, measured
 * first in the same run; the throughput against the server's trivial health
 * endpoint driven over as many keep-alive connections.
 */
const concurrency: Benchmark = {
  name: 'concurrency',
  title: `${USERS} simulated users on loopback for ${SECONDS} s: browse, save, run small jobs on the local scheduler, follow logs`,
  async run(): Promise<Figure[]> {
    const servers = new ServerProcesses();
    const http = { current: null as KeepAliveHttp | null };
    const appDirs: string[] = [];
    try {
      const served = await servers.serve(await servers.newHome('narrative-bench-concurrency-'));
      const pid = served.proc.pid!;
      const app = await buildTestApp();
      appDirs.push(dirname(app.container.image.location));
      await served.client.registerApp(app);
      const accounts = await inBatches(USERS, 10, (i) => setUpAccount(served.client, served.url, i));
      http.current = new KeepAliveHttp(served.url, USERS);

      const healthPerSecond = await healthThroughput(http.current, served.token);
      const solo = new Recorder();
      await simulateUser(http.current, served.url, app.id, accounts[0]!, pace(SOLO_SECONDS, 0, 3), solo);

      await resetPeak(pid);
      const rest = await memoryOf(pid);
      const load = new Recorder();
      const started = performance.now();
      await Promise.all(accounts.map((account) => simulateUser(http.current!, served.url, app.id, account, pace(SECONDS, THINK_MS, JOB_EVERY_SECONDS), load)));
      const drainSeconds = (performance.now() - started) / 1000 - SECONDS;
      const after = await memoryOf(pid);
      if (served.proc.exitCode !== null || served.proc.signalCode !== null) throw new Error(`the server died under load: ${served.stderr()}`);

      return [
        ...KINDS.flatMap((kind) => latencyFigures(kind, load, solo)),
        figure({
          name: `throughput, ${USERS} users`, unit: 'requests/s', samples: [load.requests / SECONDS],
          baseline: { name: `GET /api/v1/health over ${USERS} keep-alive connections without pause (the trivial endpoint's capacity)`, samples: [healthPerSecond] },
          notes: `${load.errorSummary()}; ${load.requests} HTTP requests in ${SECONDS} s (think ${THINK_MS} ms mean, a job per user every ~${JOB_EVERY_SECONDS} s), ${load.latencies.get('job, submitted to end message')?.length ?? 0} jobs followed to their end (${load.counts.get('log lines followed') ?? 0} log lines; the last ended ${drainSeconds.toFixed(0)} s after the load); 1 user alone: ${solo.errorSummary()}`,
        }),
        figure({
          name: `server peak RSS, ${USERS} users`, unit: 'MiB', samples: [after.peakMiB],
          baseline: { name: 'server RSS at rest after set-up', samples: [rest.rssMiB] },
          notes: `RSS once the load ended: ${after.rssMiB.toFixed(0)} MiB; ${load.errorSummary()}`,
        }),
      ];
    } finally {
      http.current?.close();
      await servers.cleanup();
      for (const dir of appDirs) await rm(dir, { recursive: true, force: true });
    }
  },
};

function pace(seconds: number, thinkMs: number, jobEverySeconds: number): Pace {
  const until = performance.now() + seconds * 1000;
  return { until, thinkMs, jobEveryMs: jobEverySeconds * 1000, jobsUntil: until - Math.min(NO_NEW_JOBS_LAST_SECONDS, seconds / 4) * 1000 };
}

function latencyFigures(kind: string, load: Recorder, solo: Recorder): Figure[] {
  const count = load.latencies.get(kind)?.length ?? 0;
  if (count === 0) throw new Error(`no "${kind}" was measured under load`);
  const notes = `${count} under load, ${solo.latencies.get(kind)?.length ?? 0} alone; errors: ${load.errors.get(kind) ?? 0} under load, ${solo.errors.get(kind) ?? 0} alone`;
  return [50, 99].map((p) => figure({
    name: `${kind}, p${p}, ${USERS} users`, unit: 'ms', samples: [load.percentileOf(kind, p)],
    baseline: { name: `the same with 1 user alone (no contention)`, samples: [solo.percentileOf(kind, p)] },
    notes,
  }));
}

/** A user with its own token, workspace, reads to run the app on, and a few saved objects to open. */
async function setUpAccount(admin: NarrativeClient, url: string, i: number): Promise<Account> {
  const name = `bench-user-${i}`;
  const { token } = await admin.createUser(name);
  const client = new NarrativeClient({ url, token });
  const ws = (await client.createWorkspace(`bench-${i}`)).id;
  const reads = await uploadReads(client, ws, '@r\nACGT\n+\nIIII\n');
  const refs: string[] = [];
  for (let n = 0; n < 3; n++) refs.push((await client.saveObject(ws, { name: `note-${n}`, type: 'Report.Report-1.0', data: { title: `note ${n}` } })).ref);
  return { name, token, ws, reads, refs };
}

async function inBatches<T>(count: number, size: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let start = 0; start < count; start += size) {
    made.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, k) => make(start + k)))));
  }
  return made;
}

/** Requests per second the health endpoint answers with every connection busy; any failure stops the benchmark. */
async function healthThroughput(http: KeepAliveHttp, token: string): Promise<number> {
  const until = performance.now() + HEALTH_SECONDS * 1000;
  let answered = 0;
  await Promise.all(Array.from({ length: USERS }, async () => {
    while (performance.now() < until) {
      const answer = await http.send('GET', '/health', token);
      if (answer.status !== 200) throw new Error(`GET /health answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      answered++;
    }
  }));
  return answered / HEALTH_SECONDS;
}

export default concurrency;
