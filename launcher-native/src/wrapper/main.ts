#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { engineTarget } from '../job-dir/engine-variables.js';
import { endedMarker, taskJobDir } from '../job-dir/layout.js';
import { writeResult } from '../job-dir/result.js';
import { recordWrapper } from '../job-dir/wrapper-record.js';
import { runtimeLaunch } from './runtime-launch.js';
import { launcherError, wrap, type Launch } from './wrap.js';

/**
 * The job wrapper, run on the node by every scheduler: `main.js <jobDir>`.
 * It builds /in and /out, runs the app's container as an unprivileged
 * account, and writes result.json last. The container is started through the
 * runtime job.json names, or, when the docker scheduler says so (see
 * job-dir/engine-variables.ts), through that Docker engine's API. Its exit
 * code mirrors the app's, so the scheduler's own state agrees with the result.
 */
const given = process.argv[2];
if (!given) {
  process.stderr.write('usage: wrapper <jobDir>\n');
  process.exit(2);
}
const jobDir = taskJobDir(given, process.env);
const cancel = new AbortController();
process.once('SIGTERM', () => cancel.abort());
process.once('SIGINT', () => cancel.abort());
const engine = engineTarget(process.env);
// Loaded only where used: a wrapper on a cluster node never needs the Docker client.
const engineLaunch = engine ? (await import('./engine-launch.js')).engineLaunch : null;
const choose = (spec: Parameters<Launch>[0]): Launch => (engine && engineLaunch ? engineLaunch(engine, jobDir, spec) : runtimeLaunch(jobDir, spec));

await recordWrapper(jobDir);
const result = await wrap(jobDir, cancel.signal, choose);
await writeResult(jobDir, result).catch(async (error: unknown) => {
  // A result that does not match its schema is the wrapper's bug; the job still ends, saying so.
  await writeResult(jobDir, launcherError(result.jobId, `the wrapper made an invalid result: ${(error as Error).message}`, result));
});
// A hint only, so a folder that is not there (a server that watches for none) costs nothing.
await writeFile(endedMarker(jobDir), '').catch(() => undefined);
// Outputs the app declared wrongly are a failure too: a scheduler must not start the steps that would take them (afterok).
const code = result.outcome === 'exited' ? (result.exitCode ?? 1) : 1;
process.exit(code === 0 && result.detail ? 1 : code);
