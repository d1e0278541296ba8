import type { Command } from 'commander';
import { verificationOf, type VerificationReport } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit } from '../output.js';
import { describeFailure, JOB_DID_NOT_COMPLETE, jobDocument, jobId, summary, waitWithProgress } from './jobs.js';

/** Exit code of `job rerun --verify --wait` when an output of an app expected to be deterministic came out different. */
export const RERUN_DIFFERED = 4;

export function rerunCommand(job: Command): void {
  job
    .command('rerun <jobId>')
    .description("run an ended job again from its provenance (exact app version, image, params, input versions); --verify compares every output with the original's")
    .option('--verify', "compare each output with the original job's, file by file (sha256, size, first differing line of text files)")
    .option('--wait', 'wait until the re-run has ended, then print it (and with --verify, the report); exit code 3 if it did not complete, 4 if it differed')
    .action(async (text: string, options: { verify?: boolean; wait?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      let rerun = await client.rerunJob(jobId(text), { verify: Boolean(options.verify) });
      if (options.wait) rerun = await waitWithProgress(client, rerun, Boolean(process.stderr.isTTY && !global.json));
      const report = verificationOf(rerun);
      emit(global, { ...jobDocument(rerun), ...(report ? { verification: report } : {}) }, (d) => summary(d) + (report ? `\n${describeReport(report)}` : ''));
      if (!options.wait) return;
      if (rerun.state !== 'completed') {
        process.stderr.write(`narrative: job ${rerun.id} ${rerun.state}${rerun.state === 'failed' ? `: ${describeFailure(rerun.failure)}` : ''}\n`);
        process.exitCode = JOB_DID_NOT_COMPLETE;
      } else if (report && !report.identical && report.expected === 'identical') {
        process.exitCode = RERUN_DIFFERED;
      }
    });
}

/** The report for people: one line for all-identical, else each output and file that differs, with its first differing line. */
export function describeReport(report: VerificationReport): string {
  const { total, identical } = report.files;
  if (report.identical) return `verification: identical to job ${report.original}, ${total} file${total === 1 ? '' : 's'}`;
  const lines = [`verification: DIFFERENT from job ${report.original}: ${identical} of ${total} files identical${report.expected === 'not-deterministic' ? ' (the app is not expected to be identical)' : ''}`];
  for (const output of report.outputs.filter((o) => !o.identical)) {
    lines.push(`  output ${output.name}${output.dataIdentical ? '' : ' (its data differs)'}: ${output.original ?? 'none'} → ${output.saved}`);
    for (const file of output.files.filter((f) => f.status !== 'identical')) {
      const sizes = `${file.original?.size ?? '-'} → ${file.rerun?.size ?? '-'} bytes`;
      lines.push(`    ${file.name}: ${file.status} (${sizes})`);
      const d = file.firstDifference;
      if (d) lines.push(`      line ${d.line}: ${JSON.stringify(d.original)} → ${JSON.stringify(d.rerun)}`);
    }
  }
  return lines.join('\n');
}
