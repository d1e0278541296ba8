import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { failureOf, outputsOf, type AppSpec } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

interface Bulk {
  jobs: { id: number; state: string; schedulerId: string | null; inputs: { resolved: string }[] }[];
}

/** One app over many objects: one job each, submitted as one scheduler array. */
function bulkSuite(title: string, start: () => Promise<{ h: Harness; stop: () => Promise<void> }>): void {
  describe(title, () => {
    let h: Harness;
    let stop: () => Promise<void>;
    let app: AppSpec;

    before(async () => {
      ({ h, stop } = await start());
      app = await buildTestApp();
      await h.admin.registerApp(app);
    });
    after(() => stop());

    it('runs one job per object as one array, each with its own output and the narrative and cell it came from', async () => {
      const alice = h.users.alice!.client;
      const narrative = await alice.createNarrative('bulk');
      const ws = narrative.wsid;
      const refs: string[] = [];
      for (let i = 1; i <= 3; i++) {
        refs.push(await uploadReads(alice, ws, '@r\nACGT\n+\nIIII\n'.repeat(i), { name: `reads-${i}` }));
      }
      const { jobs } = await alice.request<Bulk>('POST', '/jobs/bulk', {
        json: { app: app.id, ws: String(ws), input: 'reads', refs, parallel: 2, narrative: { id: narrative.id, cell: 'cell-bulk' } },
      });
      assert.equal(jobs.length, 3);
      const arrayIds = new Set(jobs.map((j) => j.schedulerId!.split('_')[0]));
      assert.equal(arrayIds.size, 1, 'one scheduler array');
      assert.deepEqual(jobs.map((j) => j.schedulerId!.split('_')[1]), ['0', '1', '2']);
      assert.deepEqual(jobs.map((j) => j.inputs[0]!.resolved), refs);
      const ended = await Promise.all(jobs.map((j) => alice.waitForJob(j.id)));
      assert.deepEqual(ended.map((j) => j.state), ['completed', 'completed', 'completed'], JSON.stringify(ended.map((j) => failureOf(j))));
      const outputs = await Promise.all(ended.map((j) => alice.getObject(outputsOf(j)[0]!)));
      assert.deepEqual(outputs.map((o) => o.provenance.narrative), ended.map(() => ({ id: narrative.id, cell: 'cell-bulk' })));
      const counts = await Promise.all(outputs.map(async (output) => (await (await alice.downloadFile(output.ref, 'lines.txt')).text()).trim()));
      assert.deepEqual(counts, ['4', '8', '12'], "each task ran on its own job's input");
    });

    it('checks every object before starting any', async () => {
      const alice = h.users.alice!.client;
      const ws = (await alice.createWorkspace('bulk-bad')).id;
      const report = await alice.saveObject(ws, { name: 'not-reads', type: 'Report.Report-1.0', data: { title: 'x' } });
      const refused = await alice.request('POST', '/jobs/bulk', { json: { app: app.id, ws: String(ws), input: 'reads', refs: [report.ref] } }).catch((e: { status: number; problem: { errors: { path: string }[] } }) => e);
      assert.equal((refused as { status: number }).status, 422);
      assert.equal((refused as { problem: { errors: { path: string }[] } }).problem.errors[0]!.path, '/refs/0/inputs/reads');
    });
  });
}

bulkSuite('bulk runs on the local scheduler', async () => {
  const h = await startHarness(['alice']);
  return { h, stop: () => h.stop() };
});

bulkSuite('bulk runs on Slurm (a job array)', async () => {
  const { cluster, stop: stopCluster } = await startCluster();
  const h = await startHarness(['alice'], slurmExecution(cluster));
  return {
    h,
    stop: async () => {
      await h.stop();
      await stopCluster();
    },
  };
});

describe('a bulk run of more tasks than one statement writes, held in a Slurm queue', () => {
  const TASKS = 1_201;
  const run = promisify(execFile);
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let slurm: (...argv: string[]) => Promise<unknown>;

  before(async () => {
    const started = await startCluster();
    stopCluster = started.stop;
    const { cluster } = started;
    slurm = (...argv) => run(argv[0]!, argv.slice(1), { env: { ...process.env, SLURM_CONF: cluster.slurmConf } });
    h = await startHarness(['alice'], slurmExecution(cluster));
    // No task starts: what acceptance wrote stays as it wrote it.
    await slurm('scontrol', 'update', `PartitionName=${cluster.partition}`, 'State=DOWN');
    const app = await buildTestApp();
    await h.admin.registerApp({ ...app, id: 'test/bulk-reports', inputs: [{ name: 'item', types: ['Report.Report-1.0'], required: true, description: 'any report' }] });
  });
  after(async () => {
    await h?.stop();
    await stopCluster?.();
  });

  it('queues each job as its own task, in order, writing no job directory until its task starts', async () => {
    const alice = h.users.alice!.client;
    const ws = (await alice.createWorkspace('bulk-held')).id;
    const refs: string[] = new Array(TASKS);
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = next++; i < TASKS; i = next++) refs[i] = (await alice.saveObject(ws, { name: `item-${i}`, type: 'Report.Report-1.0', data: { title: `item ${i}` } })).ref;
    }));
    const { jobs } = await alice.request<Bulk>('POST', '/jobs/bulk', { json: { app: 'test/bulk-reports', ws: String(ws), input: 'item', refs } });
    assert.equal(jobs.length, TASKS);
    assert.deepEqual(jobs.filter((j) => j.state !== 'queued'), []);
    const arrayId = jobs[0]!.schedulerId!.split('_')[0];
    assert.deepEqual(jobs.map((j) => j.schedulerId), jobs.map((_, i) => `${arrayId}_${i}`));
    assert.deepEqual(jobs.map((j) => j.inputs[0]!.resolved), refs, 'job i takes object i');
    assert.deepEqual(jobs.map((j) => j.id), [...jobs.map((j) => j.id)].sort((a, b) => a - b));

    const jobsDir = join(h.home, 'jobs');
    const tasks = (await readFile(join(jobsDir, `array-${jobs[0]!.id}`, 'tasks.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { jobDir: string; spec: { jobId: string; inputs: { ref: string }[] } });
    assert.deepEqual(tasks.map((t) => [t.jobDir, t.spec.jobId, t.spec.inputs[0]!.ref]), jobs.map((j, i) => [`../${j.id}`, String(j.id), refs[i]]), "task i's line is job i's directory and job.json");
    for (const j of [jobs[0]!, jobs.at(-1)!]) {
      await assert.rejects(stat(join(jobsDir, String(j.id))), /ENOENT/);
      assert.deepEqual((await alice.jobEvents(j.id)).map((e) => e.event.state), ['created', 'queued']);
    }

    // The reconciler records why they wait, for all of them at once.
    const sample = () => Promise.all([jobs[0]!, jobs[600]!, jobs.at(-1)!].map((j) => alice.job(j.id)));
    let seen = await sample();
    for (let i = 0; i < 150 && !seen.every((j) => j.state === 'queued' && j.queueReason); i++) {
      await sleep(200);
      seen = await sample();
    }
    const reasons = seen.map((j) => (j.state === 'queued' ? j.queueReason : j.state));
    assert.ok(reasons.every((r) => r), JSON.stringify(reasons));
    assert.equal(new Set(reasons).size, 1, JSON.stringify(reasons));

    // A job cancelled before its task started never had a directory: it still reads as any cancelled job does.
    const last = jobs.at(-1)!;
    assert.equal((await alice.cancelJob(last.id)).state, 'cancelled');
    await assert.rejects(stat(join(jobsDir, String(last.id))), /ENOENT/);
    assert.deepEqual(await alice.jobLog(last.id), { lines: [], next: 0 });
    const looked = await alice.lookupJobs({ ids: [last.id], logTail: 10 });
    assert.deepEqual([looked.jobs.map((j) => j.state), looked.logs], [['cancelled'], [{ id: last.id, lines: [], truncated: false }]]);
    await slurm('scancel', String(arrayId));
  });
});
