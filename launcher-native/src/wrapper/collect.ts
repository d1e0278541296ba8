import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../images/tree-digest.js';
import type { JobResult } from './job-spec.js';

const MAX_DECLARATION_BYTES = 16 * 1024 * 1024;

/**
 * Hashes every regular file under /out. Links and special files are not
 * outputs: they are named in `problems`, so the server can fail the job
 * rather than follow them out of /out.
 */
export async function collectOutputs(outDir: string): Promise<{ outputs: JobResult['outputs']; declared: unknown; problems: string[] }> {
  const outputs: JobResult['outputs'] = [];
  const problems: string[] = [];
  const walk = async (prefix: string) => {
    for (const name of (await readdir(join(outDir, prefix))).sort()) {
      const path = prefix ? `${prefix}/${name}` : name;
      const info = await lstat(join(outDir, path));
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) outputs.push({ path, sha256: await fileDigest(join(outDir, path)), size: info.size });
      else problems.push(`/out/${path} is not a regular file`);
    }
  };
  await walk('');
  let declared: unknown = null;
  const declaration = outputs.find((o) => o.path === 'outputs.json');
  if (declaration) {
    if (declaration.size > MAX_DECLARATION_BYTES) problems.push('/out/outputs.json is larger than 16 MiB');
    else {
      try {
        declared = JSON.parse(await readFile(join(outDir, 'outputs.json'), 'utf8'));
      } catch (error) {
        problems.push(`/out/outputs.json is not valid JSON: ${(error as Error).message}`);
      }
    }
  }
  return { outputs, declared, problems };
}
