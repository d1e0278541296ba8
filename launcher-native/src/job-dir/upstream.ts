import { join } from 'node:path';
import { jobFolders } from './layout.js';
import { declaredOutputs } from './outputs.js';
import { readResult } from './result.js';

/** One output of an upstream job, as its app declared it and its wrapper hashed it. */
export interface UpstreamOutput {
  /** The upstream job's id, from its result. */
  jobId: string;
  type: string | undefined;
  data: unknown;
  /** `path` under the upstream's out/, as its result lists it; `source` where it is now. */
  files: { path: string; source: string; sha256: string; size: number }[];
}

/**
 * What an upstream job made for one of its outputs, from its result: only from a job whose
 * app exited 0 with valid outputs, and only files its wrapper hashed under out/ (so never a
 * link, nor a path out of it). Throws, saying why, for anything else.
 */
export async function readUpstreamOutput(jobDir: string, output: string): Promise<UpstreamOutput> {
  const result = await readResult(jobDir);
  if (!result) throw new Error(`the upstream job in ${jobDir} has not finished (it has no result)`);
  const ended = result.outcome !== 'exited' ? `it ended ${result.outcome}` : result.exitCode !== 0 ? `its app exited with code ${result.exitCode}` : result.detail ? `its outputs are invalid: ${result.detail}` : null;
  if (ended) throw new Error(`upstream job ${result.jobId} did not complete: ${ended}`);
  const declared = declaredOutputs(result.declared).outputs.filter((o) => o.name === output);
  if (declared.length !== 1) throw new Error(`upstream job ${result.jobId} declares the output ${output} ${declared.length === 0 ? 'nowhere' : 'more than once'}`);
  const hashed = new Map(result.outputs.map((o) => [o.path, o]));
  const { outDir } = jobFolders(jobDir);
  const files = (declared[0]!.files ?? []).map((path) => {
    const listed = hashed.get(path);
    if (!listed) throw new Error(`upstream job ${result.jobId}: output ${output} names ${path}, which is not among the files of its out/`);
    return { path, source: join(outDir, path), sha256: listed.sha256, size: listed.size };
  });
  return { jobId: result.jobId, type: declared[0]!.type, data: declared[0]!.data ?? {}, files };
}
