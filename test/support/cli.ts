import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The compiled `narrative` binary, found through the server package's own exports. */
export const CLI = join(dirname(createRequire(import.meta.url).resolve('@narrative/server')), 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  url: string;
  home: string;
  token?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs the CLI with an argv array (never a shell) against a server, as a token, optionally feeding stdin. */
export function runCli(args: string[], target: CliTarget): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NARRATIVE_URL: target.url, NARRATIVE_HOME: target.home };
  delete env.NARRATIVE_TOKEN;
  if (target.token) env.NARRATIVE_TOKEN = target.token;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env, timeout: target.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin!.end(target.input ?? '');
  });
}

/** A CLI home (its config directory) inside `dir`, private as the CLI wants it, and gone with `dir`. */
export async function cliHomeIn(dir: string): Promise<string> {
  const home = join(dir, 'cli-home');
  await mkdir(home, { mode: 0o700 });
  return home;
}
