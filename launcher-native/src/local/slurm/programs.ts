import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** The programs the local cluster runs or asks, and the Debian package that provides each. */
export const PROGRAMS = {
  munged: 'munge', munge: 'munge', slurmctld: 'slurmctld', slurmd: 'slurmd',
  sinfo: 'slurm-client', scancel: 'slurm-client', scontrol: 'slurm-client',
};
export type Program = keyof typeof PROGRAMS;
export type Programs = Record<Program, string>;

/** Every program's path; names all the missing ones (and their packages) at once. */
export function findPrograms(): Programs {
  const missing = (Object.keys(PROGRAMS) as Program[]).filter((p) => !tryFindProgram(p));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((p) => PROGRAMS[p]))];
    throw new Error(`${missing.join(', ')} not found: install the Debian package(s) ${packages.join(' ')} (apt-get install ${packages.join(' ')})`);
  }
  return Object.fromEntries((Object.keys(PROGRAMS) as Program[]).map((p) => [p, findProgram(p)])) as Programs;
}

export function findProgram(name: Program): string {
  const path = tryFindProgram(name);
  if (!path) throw new Error(`${name} not found: install the Debian package ${PROGRAMS[name]}`);
  return path;
}

function tryFindProgram(name: string): string | undefined {
  // Daemons live in sbin, which a non-root PATH often lacks.
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => {
    try {
      return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

const execFileAsync = promisify(execFile);

/** Runs a client program against this cluster (SLURM_CONF) and resolves with its stdout; rejects on a non-zero exit. */
export async function runClient(program: string, args: string[], slurmConf: string): Promise<string> {
  const { stdout } = await execFileAsync(program, args, { env: { ...process.env, SLURM_CONF: slurmConf }, timeout: 10_000 });
  return stdout;
}
