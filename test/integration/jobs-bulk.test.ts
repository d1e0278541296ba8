import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
