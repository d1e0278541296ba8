import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CommandNotFound, CommandTimedOut, type CommandOptions, type CommandResult, type CommandRunner } from '../command-runner.js';
import { SchedulerUnavailable, type SubmitRequest } from '../scheduler.js';
import { SlurmScheduler } from './slurm.js';

/**
 * The Slurm scheduler without a cluster: a command runner that answers each
 * client command with output captured from Slurm 22.05, and records what it
 * was asked. (cluster.test.ts runs the same scheduler on a real local cluster.)
 */
type Answer = CommandResult | Error;

function scripted(answer: (argv: string[]) => Answer): CommandRunner & { calls: { argv: string[]; options: CommandOptions }[] } {
  const calls: { argv: string[]; options: CommandOptions }[] = [];
  return {
    calls,
    async run(argv, options) {
      calls.push({ argv, options });
      const got = answer(argv);
      if (got instanceof Error) throw got;
      return got;
    },
  };
}
const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });
const failed = (stderr: string, code = 1): CommandResult => ({ stdout: '', stderr, code });

describe('SlurmScheduler on captured command output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'narrative-slurm-captured-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads states from squeue, positions from the pending queue, exit codes from the jobcomp log, then sacct for what both forgot', async () => {
    const jobcompLog = join(dir, 'jobcomp.log');
    writeFileSync(jobcompLog, [
      'JobId=15 UserId=svc(999) GroupId=svc(995) Name=narrative-15 JobState=FAILED Partition=debug TimeLimit=10 NodeList=n1 NodeCnt=1 ProcCnt=1 WorkDir=/jobs/15 ExitCode=3:0',
      'JobId=16 UserId=svc(999) GroupId=svc(995) Name=narrative-16 JobState=COMPLETED Partition=debug TimeLimit=10 NodeList=n2 NodeCnt=1 ProcCnt=1 WorkDir=/jobs/16 ExitCode=0:0',
      '',
    ].join('\n'));
    const runner = scripted((argv) => {
      if (argv[0] === 'squeue' && argv.includes('--states=all')) {
        return ok(['12|RUNNING|None|n1', '13|PENDING|Resources|', '14_0|RUNNING|None|n2', '14_[1-2%1]|PENDING|JobArrayTaskLimit|', '15|FAILED|NonZeroExitCode|n1', ''].join('\n'));
      }
      if (argv[0] === 'squeue') return ok('13\n14_[1-2%1]\n');
      if (argv[0] === 'sacct') return ok('17|OUT_OF_MEMORY|0:125|n2|None\n17.batch|OUT_OF_MEMORY|0:125|n2|\n');
      return new Error(`unexpected ${argv.join(' ')}`);
    });
    const scheduler = new SlurmScheduler({ env: { SLURM_CONF: '/etc/slurm/test.conf' }, partition: 'debug', jobcompLog, runner });

    const statuses = await scheduler.status(['12', '13', '14', '15', '16', '17', '18', 'not-an-id']);
    assert.deepEqual(Object.fromEntries(statuses), {
      '12': { state: 'running', node: 'n1' },
      '13': { state: 'queued', reason: 'Resources', position: 1 },
      '14_0': { state: 'running', node: 'n2' },
      '14_1': { state: 'queued', reason: 'JobArrayTaskLimit', position: 2 },
      '14_2': { state: 'queued', reason: 'JobArrayTaskLimit', position: 3 },
      '15': { state: 'failed', reason: { kind: 'exit-code', code: 3 }, node: 'n1' },
      '16': { state: 'completed', node: 'n2' },
      '17': { state: 'failed', reason: { kind: 'out-of-memory' }, node: 'n2' },
    });
    assert.deepEqual(runner.calls.map((c) => c.argv), [
      ['squeue', '--noheader', '--states=all', '--jobs=12,13,14,15,16,17,18', '--format=%i|%T|%r|%N|%E'],
      ['squeue', '--noheader', '--states=PENDING', '--partition=debug', '--sort=-p,i', '--format=%i'],
      ['sacct', '--noheader', '--parsable2', '--jobs=17,18', '--format=JobID,State,ExitCode,NodeList,Reason'],
    ], 'sacct only for the ids neither squeue nor the jobcomp log knows');
  });

  it('takes an empty answer from squeue when it knows none of the ids', async () => {
    const runner = scripted((argv) => (argv[0] === 'squeue' ? failed('slurm_load_jobs error: Invalid job id specified\n') : ok('')));
    const statuses = await new SlurmScheduler({ env: {}, runner }).status(['41']);
    assert.deepEqual([...statuses], []);
    assert.deepEqual(runner.calls.map((c) => c.argv[0]), ['squeue', 'sacct']);
  });

  it('submits a batch script with sbatch, as one array for a bulk run', async () => {
    const runner = scripted(() => ok('4711;cluster\n'));
    const scheduler = new SlurmScheduler({ env: {}, account: 'lab', runner });
    const request = (jobDir: string): SubmitRequest => ({
      jobId: '7', jobDir, argv: ['/usr/bin/node', '/opt/wrapper/main.js', jobDir], resources: { cpus: 2, memoryMiB: 512, timeMinutes: 90, gpus: 0 }, env: { TOKEN: "it's" },
    });
    const [plain, bulk] = [join(dir, 'job-1'), join(dir, 'array-1')];
    assert.equal(await scheduler.submit(request(plain)), '4711');
    assert.equal(await scheduler.submit({ ...request(bulk), array: { size: 3, parallel: 1 } }), '4711');
    assert.deepEqual(runner.calls.map((c) => c.argv), [['sbatch', '--parsable', join(plain, 'job.sh')], ['sbatch', '--parsable', '--array=0-2%1', join(bulk, 'job.sh')]]);
    const text = readFileSync(join(plain, 'job.sh'), 'utf8');
    assert.match(text, /^#SBATCH --account=lab$/m);
    assert.match(text, /^#SBATCH --time=0-01:30:00$/m);
    assert.ok(text.includes(`#SBATCH --output=${join(plain, 'slurm-%j.out')}\n`), text);
    assert.ok(text.includes(`export TOKEN='it'\\''s'\n`), text);
    assert.ok(text.endsWith(`exec '/usr/bin/node' '/opt/wrapper/main.js' '${plain}'\n`), text);
    assert.match(readFileSync(join(bulk, 'job.sh'), 'utf8'), /^export NARRATIVE_TASK_INDEX="\$SLURM_ARRAY_TASK_ID"$/m);
  });

  it('submits a dependant with afterok on the jobs it runs after, refusing what is not a Slurm id', async () => {
    const runner = scripted(() => ok('4712\n'));
    const scheduler = new SlurmScheduler({ env: {}, runner });
    const request = (name: string, after: string[]): SubmitRequest => ({
      jobId: name, jobDir: join(dir, name), argv: ['/bin/true'], resources: { cpus: 1, memoryMiB: 64, timeMinutes: 1, gpus: 0 }, env: {}, after,
    });
    assert.equal(await scheduler.submit(request('after-1', ['4710', '4711_2', '4710'])), '4712');
    assert.deepEqual(runner.calls.map((c) => c.argv), [['sbatch', '--parsable', '--dependency=afterok:4710:4711_2', '--kill-on-invalid-dep=yes', join(dir, 'after-1', 'job.sh')]]);
    await assert.rejects(scheduler.submit(request('after-2', ['4710:4711'])), /cannot run after "4710:4711": not a Slurm job id/);
    await assert.rejects(scheduler.submit(request('after-3', ['local-17'])), /not a Slurm job id/);
    assert.equal(runner.calls.length, 1, 'nothing submitted for a refused dependency');
  });

  it('cancels, and takes a job that has already ended or is unknown as cancelled', async () => {
    const runner = scripted((argv) => {
      if (argv[1] === '12') return failed('scancel: error: Kill job error on job id 12: Job/step already completing or completed\n');
      if (argv[1] === '13') return failed('scancel: error: Kill job error on job id 13: Invalid job id specified\n');
      if (argv[1] === '14') return failed('scancel: error: Kill job error on job id 14: Access/permission denied\n');
      return ok('');
    });
    const scheduler = new SlurmScheduler({ env: {}, runner });
    await scheduler.cancel('11');
    await scheduler.cancel('12');
    await scheduler.cancel('13');
    await assert.rejects(scheduler.cancel('14'), /scancel failed: .*permission denied/);
    await assert.rejects(scheduler.cancel('14; rm -rf /'), /not a Slurm job id/);
    assert.deepEqual(runner.calls.map((c) => c.argv), [['scancel', '11'], ['scancel', '12'], ['scancel', '13'], ['scancel', '14']]);
  });

  it('says the scheduler is unavailable when a command is missing, hangs, or cannot reach the controller', async () => {
    const request: SubmitRequest = { jobId: '1', jobDir: join(dir, 'job-2'), argv: ['/bin/true'], resources: { cpus: 1, memoryMiB: 64, timeMinutes: 1, gpus: 0 }, env: {} };
    const answers: Answer[] = [
      new CommandNotFound('sbatch not found on PATH'),
      new CommandTimedOut('sbatch did not answer'),
      failed('sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n'),
    ];
    for (const [i, expected] of [/sbatch not found on PATH/, /sbatch did not answer within 1000 ms/, /cannot reach the Slurm controller/].entries()) {
      const scheduler = new SlurmScheduler({ env: {}, commandTimeoutMs: 1000, runner: scripted(() => answers[i]!) });
      await assert.rejects(scheduler.submit(request), (error: Error) => error instanceof SchedulerUnavailable && expected.test(error.message));
    }
  });

  it("keeps the server's own SBATCH_/SQUEUE_ variables from steering the commands, and adds the cluster's", async () => {
    const runner = scripted(() => ok(''));
    process.env.SBATCH_PARTITION = 'elsewhere';
    try {
      await new SlurmScheduler({ env: { SLURM_CONF: '/etc/slurm/test.conf' }, runner }).status(['5']);
    } finally {
      delete process.env.SBATCH_PARTITION;
    }
    const env = runner.calls[0]!.options.env;
    assert.equal(env.SBATCH_PARTITION, undefined);
    assert.equal(env.SLURM_CONF, '/etc/slurm/test.conf');
    assert.equal(env.PATH, process.env.PATH);
  });

  it("runs sbatch with only PATH and the cluster's settings, since the job is handed sbatch's environment", async () => {
    const runner = scripted(() => ok('4713\n'));
    process.env.NARRATIVE_SECRET_FOR_TEST = 'not for jobs';
    try {
      const request: SubmitRequest = { jobId: '9', jobDir: join(dir, 'job-bare'), argv: ['/bin/true'], resources: { cpus: 1, memoryMiB: 64, timeMinutes: 1, gpus: 0 }, env: {} };
      await new SlurmScheduler({ env: { SLURM_CONF: '/etc/slurm/test.conf' }, runner }).submit(request);
    } finally {
      delete process.env.NARRATIVE_SECRET_FOR_TEST;
    }
    assert.deepEqual(runner.calls[0]!.options.env, { PATH: process.env.PATH, SLURM_CONF: '/etc/slurm/test.conf' });
  });
});
