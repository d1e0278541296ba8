import { execFile } from 'node:child_process';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AppSpec } from '@narrative/server/client';

/*
 * The baselines of the dispatch and bulk benchmarks: the container a probe app
 * runs, started without the platform, as the job wrapper starts it
 * (launcher-native's runtimes/charliecloud.ts) under the same unprivileged account.
 */

const run = promisify(execFile);

export interface Account {
  uid: number;
  gid: number;
  user: string;
}

/** A probe app: `/app/run.sh` of a busybox image, one Report output, the smallest resources. */
export function probeApp(image: { digest: string; location: string }, o: { id: string; name: string; description: string; inputs?: AppSpec['inputs'] }): AppSpec {
  return {
    id: o.id, version: '1.0.0', name: o.name, description: o.description, categories: ['Test'],
    inputs: o.inputs ?? [], params: { type: 'object', properties: {} }, outputs: [{ name: 'stats', type: 'Report.Report-1.0', description: 'a report' }],
    resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 }, network: false, mpi: false,
    container: { image: { digest: image.digest, format: 'directory', location: image.location } }, argv: ['/bin/sh', '/app/run.sh'],
  } as AppSpec;
}

/** A run's directory as the wrapper lays one out (in/, out/, an empty env file), the account's own. */
export async function prepareRunDir(runDir: string, account: Account): Promise<void> {
  for (const dir of [runDir, join(runDir, 'in'), join(runDir, 'out')]) {
    await mkdir(dir, { recursive: true });
    await chown(dir, account.uid, account.gid);
  }
  await writeFile(join(runDir, 'env'), '');
}

/** The argv the wrapper runs for the probe on `runDir`: a bare environment, the account's ids, no network, ch-run. */
export function chRunArgv(runDir: string, image: string, account: Account): string[] {
  return [
    'env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', `USER=${account.user}`, `HOME=${runDir}`,
    'setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--',
    'unshare', '--user', '--map-current-user', '--net', '--',
    'ch-run', '--private-tmp', '--unset-env=*', `--set-env=${join(runDir, 'env')}`, '-b', `${join(runDir, 'in')}:/in`, '-b', `${join(runDir, 'out')}:/out`, '-c', '/out', image, '--', '/bin/sh', '/app/run.sh',
  ];
}

/** A batch script running `argv` with the probe's resources; each word double-quoted, so a shell variable in it (an array's task id) still expands. */
export async function writeBatchScript(path: string, o: { partition: string; output: string; argv: string[] }): Promise<void> {
  const word = (s: string) => `"${s.replace(/["\\`]/g, '\\$&')}"`;
  await writeFile(path, [
    '#!/bin/sh', `#SBATCH --partition=${o.partition}`, '#SBATCH --nodes=1', '#SBATCH --ntasks=1', '#SBATCH --cpus-per-task=1', '#SBATCH --mem=64M', '#SBATCH --time=0-00:05:00', `#SBATCH --output=${o.output}`,
    `exec ${o.argv.map(word).join(' ')}`, '',
  ].join('\n'));
}

/** Until Slurm no longer lists the job (or any task of the array), asked every `pollMs`. */
export async function untilGoneFromSqueue(id: string, env: NodeJS.ProcessEnv, pollMs: number): Promise<void> {
  for (;;) {
    const { stdout } = await run('squeue', ['--noheader', `--jobs=${id}`, '--format=%i'], { env });
    if (stdout.trim() === '') return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
