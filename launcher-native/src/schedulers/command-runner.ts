import { execFile } from 'node:child_process';

/**
 * The seam between a scheduler and the client commands it runs (sbatch,
 * squeue, ...): argv in, what the command printed and its exit code out.
 * Schedulers take one in their options with the real one as default, so a
 * test can answer with captured output and no cluster.
 */
export interface CommandRunner {
  run(argv: string[], options: CommandOptions): Promise<CommandResult>;
}

export interface CommandOptions {
  /** The command's whole environment. */
  env: Record<string, string | undefined>;
  /** Longest it may run; then it is killed and CommandTimedOut thrown. */
  timeoutMs: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit code; null when a signal ended the command. */
  code: number | null;
}

/** The program is not installed (not on PATH). */
export class CommandNotFound extends Error {}

/** The command did not end within its time and was killed. */
export class CommandTimedOut extends Error {}

/** Runs commands with execFile: never through a shell. */
export const execFileRunner: CommandRunner = {
  run(argv, options) {
    const [program, ...args] = argv as [string, ...string[]];
    return new Promise((resolve, reject) => {
      execFile(program, args, { env: options.env, timeout: options.timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, code: 0 });
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string | null };
        if (failure.code === 'ENOENT') return reject(new CommandNotFound(`${program} not found on PATH`));
        if (failure.killed) return reject(new CommandTimedOut(`${program} did not answer within ${options.timeoutMs} ms`));
        if (typeof failure.code !== 'number') return reject(error);
        resolve({ stdout, stderr, code: failure.code });
      });
    });
  },
};
