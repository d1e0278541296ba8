import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../files/file-digest.js';
import { readDeclaration } from '../job-dir/outputs.js';
import type { JobResult } from '../job-dir/result.js';

/**
 * Hashes every regular file under /out and reads the app's declaration of its
 * outputs. Links and special files are not outputs: they are named in
 * `problems`, so the server can fail the job rather than follow them out of /out.
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
  const declaration = await readDeclaration(outDir);
  return { outputs, declared: declaration.declared, problems: [...problems, ...declaration.problems] };
}
