import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { clusterDown, clusterUp, type ClusterInfo } from './local-slurm.js';
import { descendantsOf, isRunning, listProcesses, sleep } from './processes.js';

const execFileAsync = promisify(execFile);
const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

describe('local Slurm cluster', { timeout: 120_000 }, () => {
  let dir = '';
  let cluster: ClusterInfo;
  let upSeconds = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'narrative-cluster-'));
    const started = performance.now();
    cluster = await clusterUp({ dir });
    upSeconds = (performance.now() - started) / 1000;
    // A speed target is a benchmark, not an assertion: print it.
    console.log(`# cluster up in ${upSeconds.toFixed(2)} s (target < 5 s)`);
  });

  after(async () => {
    if (!dir) return;
    await clusterDown(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const slurm = async (program: string, args: string[]) =>
    (await execFileAsync(program, args, { env: { ...process.env, ...cluster.env }, timeout: 10_000 })).stdout.trim();

  const submit = async (name: string, body: string) => {
    const script = join(dir, `${name}.sh`);
    writeFileSync(script, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const id = await slurm('sbatch', ['--parsable', `--job-name=${name}`, `--output=${join(dir, `${name}-%j.log`)}`, script]);
    assert.match(id, /^\d+$/);
    return id;
  };

  // --states=all: without it squeue hides jobs that have finished.
  const jobState = (id: string) => slurm('squeue', ['--noheader', '--states=all', `--jobs=${id}`, '--format=%T']);

  const waitForState = async (id: string, done: (state: string) => boolean) => {
    for (let deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      const state = await jobState(id);
      if (done(state)) return state;
    }
    throw new Error(`job ${id} still ${await jobState(id)} after 60 s`);
  };

  /** The job's `sleep 300`, told from any other by the job id and cluster in its environment. */
  const sleepsOf = (id: string) => listProcesses().filter((p) => {
    if (p.cmdline !== 'sleep 300' || !isRunning(p.pid)) return false;
    try {
      const env = readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0');
      return env.includes(`SLURM_JOB_ID=${id}`) && env.includes(`SLURM_CONF=${cluster.slurmConf}`);
    } catch {
      return false;
    }
  });

  /** Daemons whose command line names our directory (munged, slurmctld, slurmd), plus what they started. */
  const clusterProcesses = () => {
    const daemons = listProcesses().filter((p) => p.cmdline.includes(dir) && isRunning(p.pid));
    return { daemons, all: [...daemons.map((p) => p.pid), ...descendantsOf(daemons.map((p) => p.pid))] };
  };

  it('comes up with every node idle, and up again is a no-op', async (t) => {
    t.diagnostic(`cluster up in ${upSeconds.toFixed(2)} s`);
    assert.deepEqual(cluster.nodes, ['n1', 'n2']);
    assert.equal(cluster.env.SLURM_CONF, cluster.slurmConf);
    const before = clusterProcesses().all.sort();
    assert.deepEqual(await clusterUp({ dir }), cluster);
    assert.deepEqual(clusterProcesses().all.sort(), before, 'a second up must not start daemons');
    const nodes = await slurm('sinfo', ['--noheader', '--Node', '--format=%N %T']);
    assert.deepEqual(nodes.split('\n').map((l) => l.trim()).sort(), ['n1 idle', 'n2 idle']);
  });

  it('runs a batch job on one of its nodes', async () => {
    const output = join(dir, 'node-name.txt');
    const id = await submit('node-name', `echo "$SLURMD_NODENAME" > '${output}'`);
    assert.equal(await waitForState(id, (s) => FINISHED.has(s)), 'COMPLETED');
    assert.ok(cluster.nodes.includes(readFileSync(output, 'utf8').trim()), `ran on ${readFileSync(output, 'utf8')}`);
  });

  it('cancels a running job and leaves no task behind', async () => {
    const id = await submit('sleeper', 'sleep 300');
    await waitForState(id, (s) => s === 'RUNNING' || FINISHED.has(s));
    // The process must be seen first, or "none left" below would prove nothing.
    for (let deadline = Date.now() + 10_000; sleepsOf(id).length === 0 && Date.now() < deadline;) await sleep(50);
    assert.equal(sleepsOf(id).length, 1, 'the job\'s sleep 300 runs');
    await slurm('scancel', [id]);
    assert.equal(await waitForState(id, (s) => FINISHED.has(s)), 'CANCELLED');
    for (let deadline = Date.now() + 10_000; sleepsOf(id).length > 0 && Date.now() < deadline;) await sleep(50);
    assert.deepEqual(sleepsOf(id), []);
  });

  it('goes down leaving no process behind', async () => {
    const { daemons, all } = clusterProcesses();
    const names = daemons.map((p) => p.cmdline.split(' ')[0]!.split('/').pop()).sort();
    assert.deepEqual(names, ['munged', 'slurmctld', 'slurmd', 'slurmd']);
    await clusterDown(dir);
    assert.deepEqual(all.filter(isRunning), [], 'every daemon and child is gone');
    assert.deepEqual(clusterProcesses().all, [], 'no process names the cluster directory');
    await clusterDown(dir); // down again: not an error
  });
});
