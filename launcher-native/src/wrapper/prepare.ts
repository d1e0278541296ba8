import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSpec } from '../job-dir/job-spec.js';
import { jobFolders } from '../job-dir/layout.js';
import type { UpstreamUse } from '../job-dir/result.js';
import { stageInput } from './stage-inputs.js';

export interface Prepared {
  inDir: string;
  outDir: string;
  envFile: string;
  /** The inputs staged from upstream jobs' outputs, for result.json. */
  upstream: UpstreamUse[];
}

/**
 * Builds /in (params.json, inputs.json and the input files, checked against their sha256)
 * and an empty /out. /in is made read-only by permissions: some runtimes
 * (Charliecloud 0.31) have no read-only bind. Only /out belongs to the app's account.
 */
export async function prepareJobDir(jobDir: string, spec: JobSpec): Promise<Prepared> {
  const { inDir, outDir, envFile } = jobFolders(jobDir);
  // First: the app's account must reach the binds and its runtime state; no other account may even enter.
  await closeJobDir(jobDir, spec.runAs);
  await mkdir(inDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(inDir, 'params.json'), JSON.stringify(spec.params, null, 2));
  const described: Record<string, unknown> = {};
  const upstream: UpstreamUse[] = [];
  for (const input of spec.inputs) {
    const staged = await stageInput(inDir, input);
    described[input.name] = staged.description;
    if (staged.upstream) upstream.push(staged.upstream);
  }
  // What each input is, beside its files: apps read its type and metadata (e.g. paired reads) and cite its resolved ref.
  await writeFile(join(inDir, 'inputs.json'), JSON.stringify(described, null, 2));
  await chmod(join(inDir, 'params.json'), 0o444);
  await chmod(join(inDir, 'inputs.json'), 0o444);
  await chmod(inDir, 0o555);
  if (spec.runAs) await chown(outDir, spec.runAs.uid, spec.runAs.gid);
  await chmod(outDir, 0o755);
  await writeFile(envFile, Object.entries(spec.env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o444 });
  return { inDir, outDir, envFile, upstream };
}

/**
 * As the server makes it (server/src/domain/jobs/run.ts, closeJobDir): under root, the job
 * directory is root:<the app account's gid> 0710, traversable by that account (its primary group,
 * the gid it runs with) and closed to every other uid; when not root, the wrapper and the app are
 * one account: 0700. Everything inside keeps its modes behind it.
 */
export async function closeJobDir(jobDir: string, runAs: JobSpec['runAs']): Promise<void> {
  if (process.getuid?.() === 0 && runAs) {
    await chown(jobDir, 0, runAs.gid);
    await chmod(jobDir, 0o710);
  } else {
    await chmod(jobDir, 0o700);
  }
}
