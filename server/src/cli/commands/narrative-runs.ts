import type { Command } from 'commander';
import { failureOf, verificationOf, type NarrativeClient, type NarrativeRun, type UpdatePlan } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, table } from '../output.js';
import { RERUN_DIFFERED } from './job-rerun.js';
import { describeFailure, JOB_DID_NOT_COMPLETE } from './jobs.js';
import { narrativeId } from './narratives.js';

export function narrativeRunCommands(program: Command): void {
  program
    .command('run-all <narrative-id>')
    .description("run every app cell of the narrative's saved notebook as one graph (a Slurm DAG): an input that is an earlier cell's output takes its new output")
    .option('--verify', "compare each cell's outputs with its last completed run, file by file")
    .option('--wait', 'show progress until every step has ended; exit code 3 if one did not complete, 4 if a verified output differed')
    .action(async (text: string, options: { verify?: boolean; wait?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const id = narrativeId(text);
      const run = await client.runAll(id, { verify: Boolean(options.verify) });
      await finish(client, global, run, Boolean(options.wait));
    });
  program
    .command('update <narrative-id>')
    .description('show which app cells have newer inputs (or an upstream cell that re-runs) and why; --yes re-runs exactly those')
    .option('--yes', 're-run the planned cells (without it the plan is only shown)')
    .option('--wait', 'with --yes: show progress until every step has ended')
    .action(async (text: string, options: { yes?: boolean; wait?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const id = narrativeId(text);
      const plan = await client.updatePlan(id);
      if (!options.yes || plan.cells.length === 0) return emit(global, plan, describePlan);
      if (!global.json) process.stderr.write(`${describePlan(plan)}\n`);
      const run = await client.update(id);
      if (run) await finish(client, global, run, Boolean(options.wait));
    });
}

async function finish(client: NarrativeClient, global: GlobalOptions, first: NarrativeRun, wait: boolean): Promise<void> {
  let run = first;
  if (wait) run = await follow(client, run, Boolean(process.stderr.isTTY && !global.json));
  emit(global, run, describeRun);
  if (!wait) return;
  if (run.state === 'failed') process.exitCode = JOB_DID_NOT_COMPLETE;
  else if (run.steps.some((s) => { const r = verificationOf(s.job); return r !== null && !r.identical && r.expected === 'identical'; })) process.exitCode = RERUN_DIFFERED;
}

/** Polls the run until every step has ended, redrawing a progress bar on a terminal. */
async function follow(client: NarrativeClient, first: NarrativeRun, progress: boolean): Promise<NarrativeRun> {
  let run = first;
  try {
    while (run.state === 'running') {
      if (progress) process.stderr.write(`\r\x1b[2K${progressLine(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      run = await client.narrativeRun(run.narrative, run.id);
    }
  } finally {
    if (progress) process.stderr.write('\r\x1b[2K');
  }
  return run;
}

/** `[######----] 3/5 steps ended · 1 running` */
export function progressLine(run: NarrativeRun): string {
  const { total, ended, running } = run.progress;
  const width = 20;
  const filled = total === 0 ? width : Math.round((ended / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${ended}/${total} steps ended${running ? ` · ${running} running` : ''}`;
}

function describeRun(run: NarrativeRun): string {
  const rows = run.steps.map((s, i) => {
    const failure = failureOf(s.job);
    const report = verificationOf(s.job);
    const verified = report ? (report.identical ? 'identical' : `DIFFERENT (${report.files.different} of ${report.files.total} files)`) : '';
    return { step: i + 1, cell: s.cell ?? '', job: s.job.id, app: `${s.job.app}@${s.job.version}`, after: s.after.join(','), state: s.job.state, detail: failure ? describeFailure(failure) : verified };
  });
  return `narrative ${run.narrative} run ${run.id} (${run.kind}${run.verify ? ', verified' : ''}): ${run.state}, ${run.progress.completed}/${run.progress.total} completed\n${table(rows, ['step', 'cell', 'job', 'app', 'after', 'state', 'detail'])}`;
}

function describePlan(plan: UpdatePlan): string {
  if (plan.cells.length === 0) return `narrative ${plan.narrative} is up to date: no app cell has newer inputs`;
  const lines = [`narrative ${plan.narrative}: ${plan.cells.length} app cell${plan.cells.length === 1 ? '' : 's'} to re-run`];
  for (const cell of plan.cells) lines.push(`  cell ${cell.position} (${cell.app}@${cell.version}): ${cell.reasons.join('; ')}`);
  return lines.join('\n');
}
