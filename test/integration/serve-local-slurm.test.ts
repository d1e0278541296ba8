import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterDown } from '@narrative/launcher-native/cluster';
import { cliHomeIn, runCli } from '../support/cli.js';
import { ServerProcesses, type Served } from '../support/server-process.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/**
 * The HPC path in one command: `narrative serve --local-slurm` starts a
 * local Slurm cluster beside its data and runs apps there; `cluster up
 * --json` on the same directory finds it running and prints what a server
 * needs to use it.
 */
describe('narrative serve --local-slurm', () => {
  const servers = new ServerProcesses();
  let home: string;
  let served: Served;

  before(async () => {
    // Short: the cluster's Unix sockets live below it, and their paths have a length limit.
    home = await mkdtemp(join(tmpdir(), 'nls-'));
    served = await servers.serve(home, {}, ['--local-slurm']);
  });
  after(async () => {
    await servers.cleanup();
    if (home) {
      await clusterDown(join(home, 'cluster'));
      await rm(home, { recursive: true, force: true });
    }
  });

  it('runs an app on the cluster it started, through sbatch', async () => {
    await served.client.registerApp(await buildTestApp());
    const ws = await served.client.createWorkspace('hpc');
    const reads = await uploadReads(served.client, ws.id, '@r\nACGT\n+\nIIII\n');
    const job = await served.client.waitForJob((await served.client.run({ app: 'test/count-lines', ws: String(ws.id), inputs: { reads } })).id, { timeoutMs: 120_000 });
    assert.equal(job.state, 'completed', JSON.stringify(job));
    assert.equal(job.scheduler, 'slurm');
    assert.ok('schedulerId' in job && /^\d+$/.test(String(job.schedulerId)), 'a Slurm job id');
  });

  it('cluster up --json finds that cluster running and names everything a server needs', async () => {
    const r = await runCli(['--json', 'cluster', 'up', '--dir', join(home, 'cluster')], { url: served.url, home: await cliHomeIn(home), timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const up = JSON.parse(r.stdout) as { dir: string; started: string[]; jobcompLog: string; partition: string; slurmConf: string; serverEnv: Record<string, string> };
    assert.equal(up.dir, join(home, 'cluster'));
    assert.deepEqual(up.started, [], 'the running cluster is reused');
    assert.deepEqual(up.serverEnv, { NARRATIVE_SCHEDULER: 'slurm', SLURM_CONF: up.slurmConf, NARRATIVE_SLURM_PARTITION: up.partition, NARRATIVE_SLURM_JOBCOMP_LOG: up.jobcompLog });
  });
});
