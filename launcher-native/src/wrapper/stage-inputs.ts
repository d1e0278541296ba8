import { chmod, copyFile, lstat, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileDigest } from '../files/file-digest.js';
import { INPUT_FILE_NAME, type JobSpec, type ObjectInput, type UpstreamInput } from '../job-dir/job-spec.js';
import type { UpstreamUse } from '../job-dir/result.js';
import { waitForSaved } from '../job-dir/saved.js';
import { readUpstreamOutput } from '../job-dir/upstream.js';

/** What /in/inputs.json says of one input: for an upstream job's output, `from` also names that job and output. */
export interface InputDescription {
  ref: string;
  from?: { job: string; output: string };
  type: string;
  data: unknown;
  files: string[];
}

export interface StagedInput {
  description: InputDescription;
  /** For an upstream job's output: which of its files were used, for result.json. */
  upstream: UpstreamUse | null;
}

/** Copies one input's files to /in/<name>/, each checked against its sha256, and makes the folder read-only. */
export async function stageInput(inDir: string, input: JobSpec['inputs'][number]): Promise<StagedInput> {
  const dir = join(inDir, input.name);
  await mkdir(dir, { recursive: true });
  const staged = 'from' in input ? await stageUpstream(dir, input) : await stageObject(dir, input);
  await chmod(dir, 0o555);
  return staged;
}

async function stageObject(dir: string, input: ObjectInput): Promise<StagedInput> {
  for (const file of input.files) await copyChecked(file.path, join(dir, file.name), file.sha256, `input ${input.ref} file ${file.name}`);
  return { description: { ref: input.ref, type: input.type, data: input.data, files: input.files.map((f) => f.name) }, upstream: null };
}

/** How long a step waits for the server to save what the step before it made (it saves within a reconcile tick). */
const SAVED_WAIT_MS = 10 * 60_000;

async function stageUpstream(dir: string, input: UpstreamInput): Promise<StagedInput> {
  const { jobDir, output } = input.from;
  const made = await readUpstreamOutput(jobDir, output);
  // The app sees the object the server saved, as a run on it by hand would: its reference and stored data.
  const saved = await waitForSaved(jobDir, SAVED_WAIT_MS);
  if ('refused' in saved) throw new Error(`the server saved no outputs of upstream job ${made.jobId}: ${saved.refused}`);
  const object = saved.outputs[output];
  if (!object) throw new Error(`the server saved no output ${output} of upstream job ${made.jobId}`);
  const what = `input ${input.name} (output ${output} of upstream job ${made.jobId})`;
  if (input.type !== undefined && made.type !== undefined && made.type !== input.type) throw new Error(`${what} is declared as ${made.type}, not ${input.type}`);
  const type = input.type ?? made.type;
  if (type === undefined) throw new Error(`${what}: neither job.json nor the upstream declaration gives its type`);
  // Named as the server names an output's files when it saves them: by the last part of the path.
  const names = made.files.map((f) => basename(f.path));
  for (const name of names) if (!INPUT_FILE_NAME.test(name)) throw new Error(`${what}: bad file name ${JSON.stringify(name)}`);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new Error(`${what}: two of its files are named ${twice}`);
  for (const [i, file] of made.files.entries()) {
    // Hashed as a regular file when that job ended; anything else now was put there since.
    if (!(await lstat(file.source)).isFile()) throw new Error(`${what}: ${file.path} is no longer a regular file`);
    await copyChecked(file.source, join(dir, names[i]!), file.sha256, `${what} file ${file.path}`);
  }
  return {
    description: { ref: object.ref, from: { job: made.jobId, output }, type, data: object.data, files: names },
    upstream: { input: input.name, jobDir, jobId: made.jobId, output, files: made.files.map(({ path, sha256 }) => ({ path, sha256 })) },
  };
}

async function copyChecked(source: string, target: string, sha256: string, what: string): Promise<void> {
  await copyFile(source, target);
  const actual = await fileDigest(target);
  if (actual !== sha256) throw new Error(`${what}: sha256 is ${actual}, expected ${sha256}`);
  await chmod(target, 0o444);
}
