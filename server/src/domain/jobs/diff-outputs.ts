import type { OutputFileDiff } from '../../schemas/job-diff.js';
import type { Context } from '../context.js';
import { formatRef } from '../refs.js';
import type { Job } from './job.js';

interface OutputFile {
  output: string;
  file: string;
  ref: string;
  sha256: string;
  size: number;
}

/**
 * The files a job's outputs hold, by the app's output name and file name.
 * Only a completed job has outputs: any other has none to compare. The names
 * come from the store's record of what the job saved, not from the objects'
 * names: a verified re-run's identical outputs are the original's versions.
 */
export async function outputFilesOf(ctx: Context, job: Job): Promise<OutputFile[]> {
  if (job.state !== 'completed') return [];
  const files: OutputFile[] = [];
  for (const [output, key] of await ctx.store.jobOutputs(job.id)) {
    const version = await ctx.store.getVersion(key);
    if (!version) continue;
    const ref = formatRef(key);
    for (const f of version.files) files.push({ output, file: f.name, ref, sha256: f.sha256, size: f.size });
  }
  return files;
}

/** Each file either run made, matched by output and file name: the same when both made it with one sha256. */
export function diffOutputFiles(a: OutputFile[], b: OutputFile[]): OutputFileDiff[] {
  const key = (f: OutputFile) => JSON.stringify([f.output, f.file]);
  const inA = new Map(a.map((f) => [key(f), f]));
  const inB = new Map(b.map((f) => [key(f), f]));
  const keys = [...new Set([...inA.keys(), ...inB.keys()])].sort();
  return keys.map((k) => {
    const [fa, fb] = [inA.get(k) ?? null, inB.get(k) ?? null];
    const [output, file] = JSON.parse(k) as [string, string];
    return { output, file, same: !!fa && !!fb && fa.sha256 === fb.sha256, a: fa && side(fa), b: fb && side(fb) };
  });
}

const side = ({ ref, sha256, size }: OutputFile) => ({ ref, sha256, size });

