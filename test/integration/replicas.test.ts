import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readLog } from '@narrative/launcher-native';
import type { ClusterInfo } from '@narrative/launcher-native/cluster';
import { NarrativeClient, failureOf, type Job } from '@narrative/server/client';
import { sharedPostgresCluster } from '@narrative/server/testing';
import { bearer } from '../support/harness.js';
import { openJobStream, type JobStream, type StreamMessage } from '../support/job-stream.js';
import { metricSample } from '../support/metrics.js';
import { needsNginx, startNginx, type Nginx } from '../support/nginx.js';
import { needsPostgres } from '../support/postgres.js';
import { ServerProcesses, kill9, type Served } from '../support/server-process.js';
import { startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

const JOBS = 30;
const KILL_AFTER = 10;

/** A replica's figure from its own /metrics (not through nginx: each replica counts for itself). */
async function metric(replica: Served, line: string): Promise<number> {
  return metricSample(await (await fetch(`${replica.url}/metrics`)).text(), line) ?? 0;
}
const reconcilePasses = (replica: Served) => metric(replica, 'narrative_reconcile_pass_seconds_count');
const hostPort = (replica: Served) => new URL(replica.url).host;

/**
 * Three `narrative serve` processes on one PostgreSQL database and one data
 * directory, behind Debian's nginx with the generated configuration, running
 * apps on the local Slurm. Jobs go in round-robin through nginx; a websocket
 * follower on a replica that stays up sees every job's events in order; the
 * replica that reconciles is killed -9 half-way and another takes over. Every
 * job ends once, ran once, and has its output saved once.
 */
describe('replicas behind nginx on PostgreSQL and Slurm', { skip: needsPostgres() || needsNginx() }, () => {
  let cluster: ClusterInfo;
  let stopCluster: () => Promise<void>;
  const servers = new ServerProcesses();
  let nginx: Nginx | undefined;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    ({ cluster, stop: stopCluster } = await startCluster());
    home = await servers.newHome('narrative-replicas-');
    env = {
      NARRATIVE_DATABASE_URL: await (await sharedPostgresCluster()).createDatabase('replicas'),
      NARRATIVE_SCHEDULER: 'slurm',
      SLURM_CONF: cluster.slurmConf,
      NARRATIVE_SLURM_PARTITION: cluster.partition,
      NARRATIVE_SLURM_JOBCOMP_LOG: cluster.jobcompLog,
      NARRATIVE_RECONCILE_MS: '200',
      NARRATIVE_REPLICA: 'on',
    };
  });
  after(async () => {
    await nginx?.stop();
    await servers.cleanup();
    await stopCluster?.();
  });

  it('refuses a replica that could not share: on SQLite, or running jobs itself', async () => {
    const other = await servers.newHome('narrative-not-replica-');
    await assert.rejects(servers.serve(other, { NARRATIVE_REPLICA: 'on' }), /NARRATIVE_REPLICA=on needs NARRATIVE_DATABASE_URL/);
    await assert.rejects(servers.serve(other, { ...env, NARRATIVE_SCHEDULER: 'local' }), /needs NARRATIVE_SCHEDULER=slurm \(or none\): the local scheduler/);
  });

  it('runs 30 jobs through any replica, each exactly once, across a kill -9 of the reconciling one', async () => {
    // Two replicas start at once on the empty database: one makes the first admin, and both serve.
    const [a, b] = await Promise.all([servers.serve(home, env), servers.serve(home, env)]);
    assert.equal([a!, b!].filter((r) => r.madeAdmin !== null).length, 1, 'exactly one replica made the first admin');
    const deadline = Date.now() + 30_000;
    while ((await reconcilePasses(a!)) + (await reconcilePasses(b!)) === 0) {
      assert.ok(Date.now() < deadline, 'neither replica took the reconciler lease');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const leader = (await reconcilePasses(a!)) > 0 ? a! : b!;
    assert.equal(await reconcilePasses(leader === a ? b! : a!), 0, 'one replica reconciles at a time');
    // The follower's replica starts last, so it does not lead: the kill never takes the streams with it.
    const c = await servers.serve(home, env);
    const replicas = [a!, b!, c];
    nginx = await startNginx(replicas.map(hostPort));

    const admin = new NarrativeClient({ url: nginx.url, token: a!.token });
    const { token } = await admin.createUser('alice', 'user', 'alice-password');
    const alice = new NarrativeClient({ url: nginx.url, token });
    // Half a node per job: four run at once, the rest wait in Slurm's queue.
    const app = await buildTestApp('3.0.0', { cpus: 2, memoryMiB: 64, timeMinutes: 5, gpus: 0 });
    await admin.registerApp(app);
    const wsid = (await alice.createWorkspace('replicas')).id;
    const reads = await uploadReads(alice, wsid, '@r1\nACGT\n+\nIIII\n');

    const jobs: Job[] = [];
    const streams = new Map<number, JobStream>();
    const submit = async () => {
      const job = await alice.run({ app: app.id, ws: String(wsid), inputs: { reads }, params: { mode: 'relay', pause: 1 } });
      jobs.push(job);
      streams.set(job.id, openJobStream(c.url, job.id, { headers: bearer(token) }));
    };
    for (let i = 0; i < KILL_AFTER; i++) await submit();
    const running = Date.now() + 60_000;
    while (!(await Promise.all(jobs.map(async (j) => (await alice.job(j.id)).state))).includes('running')) {
      assert.ok(Date.now() < running, 'no job started running');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await kill9(leader.proc);
    const survivors = replicas.filter((r) => r !== leader);
    for (let i = KILL_AFTER; i < JOBS; i++) await submit();

    const ended = await Promise.all(jobs.map((j) => alice.waitForJob(j.id, { timeoutMs: 240_000 })));
    assert.deepEqual(ended.map((j) => j.state), ended.map(() => 'completed'), JSON.stringify(ended.map((j) => failureOf(j))));
    assert.ok((await reconcilePasses(survivors[0]!)) + (await reconcilePasses(survivors[1]!)) > 0, 'another replica took over reconciling');
    for (const replica of survivors) {
      assert.ok((await metric(replica, 'narrative_http_requests_total{method="POST",route="/api/v1/jobs",status="201"}')) > 0, `round-robin: ${hostPort(replica)} took job submissions`);
    }

    for (const job of ended) {
      // The follower on the replica that stayed up saw every event, in order, each once, then the end.
      const seen = await streams.get(job.id)!.untilEnd(60_000);
      const events = seen.filter((m): m is Extract<StreamMessage, { type: 'event' }> => m.type === 'event');
      const stored = await alice.jobEvents(job.id);
      assert.deepEqual(events.map((e) => e.seq), stored.map((e) => e.seq), `job ${job.id}: the stream's events are the store's`);
      assert.deepEqual(seen.at(-1), { type: 'end', state: 'completed' });
      const states = stored.filter((e) => e.event.type === 'state').map((e) => e.event.state);
      assert.equal(states.filter((s) => s === 'completed').length, 1, `job ${job.id} ended once: ${states}`);
      // It ran once: its wrapper started the app once.
      const log = (await readLog(join(home, 'jobs', String(job.id)))).lines;
      assert.equal(log.filter((l) => l.text.includes('mode relay')).length, 1, `job ${job.id} ran once`);
    }
    for (const stream of streams.values()) await stream.close();

    // Each output saved once: one object, one version, per job.
    const objects = (await alice.listObjects(wsid, { type: 'Report.', limit: 100 })).items;
    assert.deepEqual(objects.map((o) => o.name).sort(), ended.map((j) => `stats-job${j.id}`).sort());
    assert.ok(objects.every((o) => o.ver === 1), 'no output saved twice');
    // Slurm agrees: each job's name is in the jobcomp log once, completed.
    const records = (await readFile(cluster.jobcompLog, 'utf8')).split('\n').filter((l) => /Name=narrative-\d+/.test(l));
    for (const job of ended) {
      const mine = records.filter((l) => l.includes(`Name=narrative-${job.id} `) || l.endsWith(`Name=narrative-${job.id}`));
      assert.equal(mine.length, 1, `job ${job.id}: one Slurm record`);
      assert.match(mine[0]!, /JobState=COMPLETED/);
    }
  });
});
