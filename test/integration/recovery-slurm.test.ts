import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type BetterSqlite3 from 'better-sqlite3';
import { ENDED_FOLDER, readLog } from '@narrative/launcher-native';
import type { ClusterInfo } from '@narrative/launcher-native/cluster';
import { failureOf, type Job, type NarrativeClient } from '@narrative/server/client';
import { ServerProcesses, kill9 } from '../support/server-process.js';
import { startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

const run = promisify(execFile);
const Database = createRequire(createRequire(import.meta.url).resolve('@narrative/server'))('better-sqlite3') as typeof BetterSqlite3;

/**
 * kill -9 the server while jobs are queued and running in Slurm, restart it:
 * every job is reconciled once — none lost, none run twice, outputs saved
 * once — and a job whose Slurm record vanished ends failed, never stuck.
 */
let cluster: ClusterInfo;
let stopCluster: () => Promise<void>;
const servers = new ServerProcesses();

before(async () => {
  ({ cluster, stop: stopCluster } = await startCluster());
});
after(async () => {
  await servers.cleanup();
  await stopCluster();
});

test('a killed server reconciles every Slurm job exactly once after restart', async () => {
  const home = await servers.newHome('narrative-recovery-');
  const env = {
    NARRATIVE_SCHEDULER: 'slurm',
    SLURM_CONF: cluster.slurmConf,
    NARRATIVE_SLURM_PARTITION: cluster.partition,
    NARRATIVE_SLURM_JOBCOMP_LOG: cluster.jobcompLog,
    NARRATIVE_RECONCILE_MS: '200',
  };
  let server = await servers.serve(home, env);
  let client: NarrativeClient = server.client;
  // A whole node per job: two run (n1, n2), the others wait in the queue.
  const app = await buildTestApp('2.0.0', { cpus: 4, memoryMiB: 64, timeMinutes: 5, gpus: 0 });
  await client.registerApp(app);
  const wsid = (await client.createWorkspace('recovery')).id;
  const reads = await uploadReads(client, wsid, '@r1\nACGT\n+\nIIII\n');
  const jobs: Job[] = [];
  for (let i = 0; i < 5; i++) jobs.push(await client.run({ app: app.id, ws: String(wsid), inputs: { reads }, params: { mode: 'slow' } }));

  const states = async () => Promise.all(jobs.map(async (j) => (await client.job(j.id)).state));
  for (let i = 0; i < 100 && !(await states()).includes('running'); i++) await new Promise((r) => setTimeout(r, 100));
  const atKill = await states();
  assert.ok(atKill.includes('running') && atKill.includes('queued'), `jobs running and queued at the kill: ${atKill}`);
  await kill9(server.proc);

  // While the server is down, Slurm loses one queued job's record entirely.
  const db = new Database(join(home, 'narrative.sqlite'));
  const queued = db.prepare("select id, scheduler_id from jobs where state = 'queued' order by id desc limit 1").get() as { id: number; scheduler_id: string };
  await run('scancel', [queued.scheduler_id], { env: { ...process.env, SLURM_CONF: cluster.slurmConf } });
  db.prepare('update jobs set scheduler_id = ? where id = ?').run('999999', queued.id);
  db.close();

  server = await servers.serve(home, env);
  client = server.client;
  const ended = await Promise.all(jobs.map((j) => client.waitForJob(j.id, { timeoutMs: 60_000 })));
  const vanished = ended.find((j) => j.id === queued.id)!;
  assert.equal(vanished.state, 'failed');
  assert.equal((vanished.failure as { kind: string }).kind, 'lost');
  const others = ended.filter((j) => j.id !== queued.id);
  assert.deepEqual(others.map((j) => j.state), others.map(() => 'completed'), JSON.stringify(others.map((j) => failureOf(j))));

  // Outputs saved once: one object, one version, per completed job.
  const objects = (await client.listObjects(wsid, { type: 'Report.' })).items;
  assert.deepEqual(objects.map((o) => o.name).sort(), others.map((j) => `stats-job${j.id}`).sort());
  assert.ok(objects.every((o) => o.ver === 1));
  // None ran twice: each job's wrapper started its app once, and Slurm records each job name once.
  for (const job of others) {
    const log = (await readLog(join(home, 'jobs', String(job.id)))).lines;
    assert.equal(log.filter((l) => l.text.includes('mode slow')).length, 1, `job ${job.id} ran once`);
  }
  const names = (await readFile(cluster.jobcompLog, 'utf8')).split('\n').map((l) => /Name=(narrative-\d+)/.exec(l)?.[1]).filter(Boolean);
  assert.ok(names.length >= others.length, 'the jobcomp log records the jobs');
  assert.equal(new Set(names).size, names.length, 'no job name was run twice by Slurm');
  // A directory per job and none more (beside the folder where wrappers say a job ended).
  assert.deepEqual((await readdir(join(home, 'jobs'))).filter((name) => name !== ENDED_FOLDER).sort(), jobs.map((j) => String(j.id)).sort());
});
