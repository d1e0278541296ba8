import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { clusterDown, clusterUp, type ClusterUp } from './local-slurm.js';
import { descendantsOf, isRunning, listProcesses, type ProcessInfo } from '../../processes/process-table.js';
import { sleep } from '../daemon-processes.js';

const execFileAsync = promisify(execFile);
const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

describe('local Slurm cluster', { timeout: 120_000 }, () => {
  let dir = '';
  let cluster: ClusterUp;
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

  const submit = async (name: string, body: string, sbatchArgs: string[] = []) => {
    const script = join(dir, `${name}.sh`);
    writeFileSync(script, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const id = await slurm('sbatch', ['--parsable', `--job-name=${name}`, `--output=${join(dir, `${name}-%j.log`)}`, ...sbatchArgs, script]);
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

  /** Our daemons only (not job scripts, whose paths name our directory too). */
  const daemonProcesses = () => clusterProcesses().daemons
    .filter((p) => ['munged', 'slurmctld', 'slurmd'].includes(basename(p.argv[0] ?? '')));
  /** munged, slurmctld or slurmd-<node>, as `started` names them. */
  const nameOf = (p: ProcessInfo) => {
    const program = basename(p.argv[0] ?? '');
    return program === 'slurmd' ? `slurmd-${p.argv[p.argv.indexOf('-N') + 1]}` : program;
  };
  /** Name -> PID and kernel start time: two equal snapshots mean no daemon was restarted in between. */
  const daemonSnapshot = () => new Map(daemonProcesses().map((p) => [nameOf(p), `${p.pid}@${p.startTime}`]));
  const daemonOf = (name: string): ProcessInfo => {
    const found = daemonProcesses().filter((p) => nameOf(p) === name);
    assert.equal(found.length, 1, `one ${name} runs`);
    return found[0]!;
  };
  /** Kills one daemon for good and returns the identities of all the others. */
  const kill9 = async (name: string) => {
    const victim = daemonOf(name);
    const others = new Map([...daemonSnapshot()].filter(([other]) => other !== name));
    process.kill(victim.pid, 'SIGKILL');
    for (let deadline = Date.now() + 10_000; isRunning(victim.pid) && Date.now() < deadline;) await sleep(50);
    assert.equal(isRunning(victim.pid), false, `${name} is dead`);
    return { victim, others };
  };
  const assertLeftAlone = (others: Map<string, string>) => {
    const now = daemonSnapshot();
    for (const [name, identity] of others) assert.equal(now.get(name), identity, `${name} left alone`);
  };

  /** Up on a running cluster, timed like the cold start above. */
  const upAgain = async (t: { diagnostic: (message: string) => void }) => {
    const started = performance.now();
    const result = await clusterUp({ dir });
    t.diagnostic(`up on a running cluster (started: ${result.started.join(', ') || 'nothing'}) in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return result;
  };

  let probes = 0;
  /** A job pinned to node completes there. */
  const runsOn = async (node: string) => {
    const name = `on-${node}-${++probes}`;
    const output = join(dir, `${name}.txt`);
    const id = await submit(name, `echo "$SLURMD_NODENAME" > '${output}'`, [`--nodelist=${node}`]);
    assert.equal(await waitForState(id, (s) => FINISHED.has(s)), 'COMPLETED');
    assert.equal(readFileSync(output, 'utf8').trim(), node);
  };

  it('comes up with every node idle, and up again leaves every daemon alone', async (t) => {
    t.diagnostic(`cluster up in ${upSeconds.toFixed(2)} s`);
    assert.deepEqual(cluster.nodes, ['n1', 'n2']);
    assert.equal(cluster.env.SLURM_CONF, cluster.slurmConf);
    assert.deepEqual(cluster.started, ['munged', 'slurmctld', 'slurmd-n1', 'slurmd-n2']);
    const before = clusterProcesses().all.sort();
    const daemons = daemonSnapshot();
    assert.equal(daemons.size, 4);
    const again = await upAgain(t);
    assert.deepEqual(again, { ...cluster, started: [] });
    assert.deepEqual(await upAgain(t), again);
    assert.deepEqual(daemonSnapshot(), daemons, 'the same daemon processes');
    assert.deepEqual(clusterProcesses().all.sort(), before, 'a second up must not start daemons');
    const nodes = await slurm('sinfo', ['--noheader', '--Node', '--format=%N %T']);
    assert.deepEqual(nodes.split('\n').map((l) => l.trim()).sort(), ['n1 idle', 'n2 idle']);
    await runsOn('n1');
    await runsOn('n2');
  });

  it('after kill -9 of one slurmd, up restarts only that one; its jobs finish and it runs jobs again', async (t) => {
    // Jobs on n1 that run until told to stop: one ends while n1's slurmd is dead, one across the restart.
    const gate = (name: string) => join(dir, `${name}.release`);
    const held = (name: string) => `while [ ! -e '${gate(name)}' ]; do sleep 0.1; done`;
    const endsWhileDead = await submit('ends-while-dead', held('ends-while-dead'), ['--nodelist=n1']);
    const spansRestart = await submit('spans-restart', held('spans-restart'), ['--nodelist=n1']);
    for (const id of [endsWhileDead, spansRestart]) assert.equal(await waitForState(id, (s) => s !== 'PENDING'), 'RUNNING');

    const { victim, others } = await kill9('slurmd-n1');
    // Its step daemon reports the end to slurmctld, which cannot tell the dead slurmd: COMPLETING, until it is back.
    writeFileSync(gate('ends-while-dead'), '');
    assert.notEqual(await waitForState(endsWhileDead, (s) => s !== 'RUNNING'), 'RUNNING');

    const { started } = await upAgain(t);
    assert.deepEqual(started, ['slurmd-n1']);
    assertLeftAlone(others);
    assert.notEqual(daemonOf('slurmd-n1').pid, victim.pid, 'n1 has a new slurmd');

    assert.equal(await waitForState(endsWhileDead, (s) => FINISHED.has(s)), 'COMPLETED');
    assert.equal(await jobState(spansRestart), 'RUNNING', 'a job running on the node survives its slurmd\'s restart');
    writeFileSync(gate('spans-restart'), '');
    assert.equal(await waitForState(spansRestart, (s) => FINISHED.has(s)), 'COMPLETED');
    await runsOn('n1');
  });

  it('after kill -9 of slurmctld, up restarts only slurmctld and the nodes take jobs again', async (t) => {
    const { others } = await kill9('slurmctld');
    const { started } = await upAgain(t);
    assert.deepEqual(started, ['slurmctld']);
    assertLeftAlone(others);
    await runsOn('n1');
    await runsOn('n2');
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
