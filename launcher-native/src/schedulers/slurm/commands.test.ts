import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { queueOrderArgv, sbatchArgv, scancelArgv, squeueArgv } from './commands.js';
import { renderBatchScript, shellName, shellQuote, slurmTime } from './directives.js';
import { expandArrayTaskIds, parseDependencies, parseJobcompLine, parseSacct, parseSbatch, parseSqueue } from './parse.js';
import { SLURM_STATES, toSchedulerStatus } from './state-table.js';

describe('the Slurm state table', () => {
  it('knows every job state of Slurm 22.05', () => {
    const slurm2205 = [
      'BOOT_FAIL', 'CANCELLED', 'COMPLETED', 'CONFIGURING', 'COMPLETING', 'DEADLINE', 'FAILED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PENDING', 'PREEMPTED',
      'RUNNING', 'RESV_DEL_HOLD', 'REQUEUE_FED', 'REQUEUE_HOLD', 'REQUEUED', 'RESIZING', 'REVOKED', 'SIGNALING', 'SPECIAL_EXIT', 'STAGE_OUT', 'STOPPED', 'SUSPENDED', 'TIMEOUT',
    ];
    assert.deepEqual(Object.keys(SLURM_STATES).sort(), slurm2205.sort());
  });

  it('keeps failure reasons apart from the failed state', () => {
    const status = (state: string, exitCode: number | null = null) => toSchedulerStatus({ state, exitCode, reason: null, node: 'n1' });
    assert.deepEqual(status('OUT_OF_MEMORY'), { state: 'failed', reason: { kind: 'out-of-memory' }, node: 'n1' });
    assert.deepEqual(status('TIMEOUT'), { state: 'failed', reason: { kind: 'walltime' }, node: 'n1' });
    assert.deepEqual(status('FAILED', 3), { state: 'failed', reason: { kind: 'exit-code', code: 3 }, node: 'n1' });
    assert.deepEqual(status('NODE_FAIL'), { state: 'failed', reason: { kind: 'node-failure', detail: 'a node of the job failed' }, node: 'n1' });
    assert.deepEqual(status('PREEMPTED'), { state: 'failed', reason: { kind: 'preempted' }, node: 'n1' });
    assert.deepEqual(status('CANCELLED by 0'), { state: 'cancelled', node: 'n1' });
    assert.deepEqual(status('COMPLETED'), { state: 'completed', node: 'n1' });
  });

  it('reports a dependant Slurm cancelled for a failed dependency as failed, naming it, and one still waiting as queued for it', () => {
    // As squeue printed them (Slurm 22.05, --kill-on-invalid-dep=yes): job 3 ran after 1 and 2, and 2 failed.
    const rows = parseSqueue(['3|CANCELLED|DependencyNeverSatisfied||afterok:2(failed)', '4|PENDING|Dependency||afterok:1(unfulfilled),afterok:2(unfulfilled)', ''].join('\n'));
    assert.deepEqual(toSchedulerStatus(rows.get('3')!), { state: 'failed', reason: { kind: 'dependency', detail: 'an earlier step (scheduler job 2) did not complete' }, node: null });
    assert.deepEqual(toSchedulerStatus({ ...rows.get('4')!, position: 3 }), { state: 'queued', reason: 'waiting for jobs 1, 2', position: 3 });
    // A cancel by a person stays a cancel.
    assert.deepEqual(toSchedulerStatus(parseSqueue('5|CANCELLED|None||afterok:1(unfulfilled)\n').get('5')!), { state: 'cancelled', node: null });
  });

  it('reports the pending reason and position, and refuses to guess at unknown states', () => {
    assert.deepEqual(toSchedulerStatus({ state: 'PENDING', exitCode: null, reason: 'Resources', node: null, position: 2 }), { state: 'queued', reason: 'Resources', position: 2 });
    assert.deepEqual(toSchedulerStatus({ state: 'PENDING', exitCode: null, reason: 'None', node: null }), { state: 'queued', reason: null, position: null });
    assert.deepEqual(toSchedulerStatus({ state: 'LAUNCH_FAILED_SOMEDAY', exitCode: null, reason: null, node: null }), { state: 'unknown', raw: 'LAUNCH_FAILED_SOMEDAY' });
  });
});

describe('parsing Slurm output', () => {
  it('reads sbatch --parsable', () => {
    assert.equal(parseSbatch('4711\n'), '4711');
    assert.equal(parseSbatch('4711;cluster\n'), '4711');
    assert.throws(() => parseSbatch('sbatch: error: Batch job submission failed\n'));
  });

  it('reads squeue, including array tasks and empty node lists', () => {
    const text = ['12|PENDING|Priority||(null)', '13|RUNNING|None|n1|(null)', '14_3|COMPLETED|None|n2|(null)', '15_[4-9%2]|PENDING|JobArrayTaskLimit||(null)', ''].join('\n');
    const rows = parseSqueue(text);
    assert.deepEqual([...rows.keys()], ['12', '13', '14_3', '15_[4-9%2]']);
    assert.deepEqual(rows.get('12'), { state: 'PENDING', exitCode: null, reason: 'Priority', node: null });
    assert.deepEqual(rows.get('13'), { state: 'RUNNING', exitCode: null, reason: null, node: 'n1' });
  });

  it('reads the dependencies squeue lists: those still waited for, and those never to be satisfied', () => {
    assert.deepEqual(parseDependencies('afterok:12(unfulfilled),afterok:13_2(failed),afterok:14_*(unfulfilled)'), { waiting: ['12', '14'], failed: ['13_2'] });
    assert.deepEqual(parseDependencies('after:15+5(unfulfilled)'), { waiting: ['15'], failed: [] });
    assert.equal(parseDependencies('(null)'), null);
    assert.equal(parseDependencies(''), null);
  });

  it('reads sacct, skipping job steps, with exit codes', () => {
    const text = ['12|COMPLETED|0:0|n1|None', '12.batch|COMPLETED|0:0|n1|', '13|FAILED|3:0|n2|NonZeroExitCode', '14|OUT_OF_MEMORY|0:125|n1|OutOfMemory', '15|CANCELLED by 0|0:15|n1|None'].join('\n');
    const rows = parseSacct(text);
    assert.deepEqual([...rows.keys()], ['12', '13', '14', '15']);
    assert.deepEqual(rows.get('13'), { state: 'FAILED', exitCode: 3, reason: 'NonZeroExitCode', node: 'n2' });
    assert.deepEqual(toSchedulerStatus(rows.get('15')!), { state: 'cancelled', node: 'n1' });
  });

  it('reads a jobcomp/filetxt record', () => {
    const line = 'JobId=21 UserId=svc(999) GroupId=svc(995) Name=narrative-7 JobState=TIMEOUT Partition=debug TimeLimit=1 StartTime=2026-11-25T04:00:00 EndTime=2026-11-25T04:01:00 NodeList=n2 NodeCnt=1 ProcCnt=1 WorkDir=/jobs/7 ExitCode=0:15';
    assert.deepEqual(parseJobcompLine(line), { id: '21', observation: { state: 'TIMEOUT', exitCode: 0, reason: null, node: 'n2' } });
    assert.equal(parseJobcompLine('garbage'), null);
  });

  it('names an array task in the jobcomp log the way squeue does', () => {
    // Captured from Slurm 22.05: task 0 of array job 8 ran as job 9.
    const line = 'JobId=9 UserId=svc(999) GroupId=svc(995) Name=job.sh JobState=FAILED Partition=debug TimeLimit=1 NodeList=n2 NodeCnt=1 ProcCnt=1 ArrayJobId=8 ArrayTaskId=0 DerivedExitCode=0:0 ExitCode=3:0 ';
    assert.deepEqual(parseJobcompLine(line), { id: '8_0', observation: { state: 'FAILED', exitCode: 3, reason: null, node: 'n2' } });
  });

  it('expands the pending tasks of an array into task ids', () => {
    assert.deepEqual(expandArrayTaskIds('15_[4-6%2]'), ['15_4', '15_5', '15_6']);
    assert.deepEqual(expandArrayTaskIds('15_[0,3-4]'), ['15_0', '15_3', '15_4']);
    assert.deepEqual(expandArrayTaskIds('15_2'), ['15_2']);
    assert.deepEqual(expandArrayTaskIds('16'), ['16']);
  });
});

describe('Slurm commands and scripts', () => {
  it('builds argv arrays', () => {
    assert.deepEqual(sbatchArgv({ script: '/jobs/7/job.sh' }), ['sbatch', '--parsable', '/jobs/7/job.sh']);
    assert.deepEqual(sbatchArgv({ script: '/jobs/7/job.sh', array: '0-99%10' }), ['sbatch', '--parsable', '--array=0-99%10', '/jobs/7/job.sh']);
    assert.deepEqual(sbatchArgv({ script: '/jobs/8/job.sh', after: ['12', '13_4'] }), ['sbatch', '--parsable', '--dependency=afterok:12:13_4', '--kill-on-invalid-dep=yes', '/jobs/8/job.sh']);
    assert.deepEqual(sbatchArgv({ script: '/jobs/9/job.sh', after: [] }), ['sbatch', '--parsable', '/jobs/9/job.sh']);
    assert.deepEqual(squeueArgv(['12', '13']), ['squeue', '--noheader', '--states=all', '--jobs=12,13', '--format=%i|%T|%r|%N|%E']);
    assert.deepEqual(scancelArgv(['12']), ['scancel', '12']);
    assert.deepEqual(queueOrderArgv('debug'), ['squeue', '--noheader', '--states=PENDING', '--partition=debug', '--sort=-p,i', '--format=%i']);
    assert.deepEqual(queueOrderArgv(), ['squeue', '--noheader', '--states=PENDING', '--sort=-p,i', '--format=%i']);
  });

  it('renders the whole batch script', () => {
    const script = renderBatchScript(
      { jobName: 'narrative-7', partition: 'debug', account: 'bio', cpus: 2, memoryMiB: 4096, timeMinutes: 1530, gpus: 1, output: '/jobs/7/slurm-%A_%a.out', chdir: '/jobs/7' },
      ['/usr/bin/node', '/opt/narrative/wrapper.js', "/jobs/7/it's.json"],
    );
    assert.equal(
      script,
      [
        '#!/bin/sh',
        '#SBATCH --job-name=narrative-7',
        '#SBATCH --partition=debug',
        '#SBATCH --account=bio',
        '#SBATCH --nodes=1',
        '#SBATCH --ntasks=1',
        '#SBATCH --cpus-per-task=2',
        '#SBATCH --mem=4096M',
        '#SBATCH --time=1-01:30:00',
        '#SBATCH --gres=gpu:1',
        '#SBATCH --output=/jobs/7/slurm-%A_%a.out',
        '#SBATCH --chdir=/jobs/7',
        '#SBATCH --export=ALL',
        `exec '/usr/bin/node' '/opt/narrative/wrapper.js' '/jobs/7/it'\\''s.json'`,
        '',
      ].join('\n'),
    );
  });

  it('exports the environment single-quoted, and the array task index, before the exec', () => {
    const script = renderBatchScript(
      { jobName: 'narrative-8', cpus: 1, memoryMiB: 1, timeMinutes: 1, output: '/jobs/8/slurm-%A_%a.out', chdir: '/jobs/8', arrayTaskIndexAs: 'NARRATIVE_TASK_INDEX' },
      ['/w'],
      { USER: 'svc', TRICKY: `it's $(reboot) \`id\` "$HOME" ; rm -rf /` },
    );
    assert.deepEqual(script.split('\n').slice(-6), [
      '#SBATCH --export=ALL',
      `export USER='svc'`,
      `export TRICKY='it'\\''s $(reboot) \`id\` "$HOME" ; rm -rf /'`,
      'export NARRATIVE_TASK_INDEX="$SLURM_ARRAY_TASK_ID"',
      `exec '/w'`,
      '',
    ]);
    // And sh reads every value back byte for byte: run the exports with env as the command.
    const dir = mkdtempSync(join(tmpdir(), 'narrative-script-'));
    try {
      const tricky = `it's $(touch ${dir}/pwned) \`touch ${dir}/pwned\` "$HOME" ; * \\ !`;
      const runnable = renderBatchScript({ jobName: 'x', cpus: 1, memoryMiB: 1, timeMinutes: 1, output: '/o', chdir: '/c' }, ['/usr/bin/env'], { TRICKY: tricky });
      writeFileSync(join(dir, 'job.sh'), runnable);
      const printed = execFileSync('/bin/sh', [join(dir, 'job.sh')], { cwd: dir, env: {}, encoding: 'utf8' });
      assert.ok(printed.split('\n').includes(`TRICKY=${tricky}`), printed);
      assert.equal(existsSync(join(dir, 'pwned')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses environment names that are not shell names', () => {
    const base = { jobName: 'x', cpus: 1, memoryMiB: 1, timeMinutes: 1, output: '/o', chdir: '/c' };
    for (const name of ['A-B', 'X;reboot', '1X', '', 'A B', 'A=B']) {
      assert.throws(() => renderBatchScript(base, ['/w'], { [name]: 'v' }), /not a shell variable name/, name);
    }
    assert.throws(() => renderBatchScript(base, ['/w'], { OK: 'two\nlines' }), /control character/);
    assert.throws(() => renderBatchScript({ ...base, arrayTaskIndexAs: 'I;reboot' }, ['/w']), /not a shell variable name/);
    assert.equal(shellName('NARRATIVE_TASK_INDEX'), 'NARRATIVE_TASK_INDEX');
  });

  it('refuses values that could break out of a directive', () => {
    const base = { jobName: 'x', cpus: 1, memoryMiB: 1, timeMinutes: 1, output: '/o', chdir: '/c' };
    assert.throws(() => renderBatchScript({ ...base, jobName: 'x\n#SBATCH --uid=0' }, ['/w']));
    assert.throws(() => renderBatchScript({ ...base, partition: 'a b' }, ['/w']));
    assert.throws(() => renderBatchScript({ ...base, cpus: 0 }, ['/w']));
    assert.throws(() => shellQuote('a\nb'));
    assert.equal(slurmTime(59), '0-00:59:00');
  });
});
