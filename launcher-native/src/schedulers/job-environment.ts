import { userInfo } from 'node:os';
import type { SubmitRequest } from './scheduler.js';

/**
 * A job's whole environment: a minimal PATH/HOME/USER, then what the request names.
 * Nothing else of the server's environment (tokens, database URLs) reaches a job.
 * USER is always set: ch-run refuses to start without it, and neither a service
 * manager nor Slurm (whose sbatch runs with a bare environment) provides it.
 */
export function jobEnvironment(request: SubmitRequest): Record<string, string> {
  const account = userInfo();
  const env: Record<string, string> = {
    PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME || account.homedir,
    USER: process.env.USER || account.username,
  };
  for (const [name, value] of Object.entries(request.env)) {
    // The same rule on every backend, so a job valid on `local` is valid on Slurm, where
    // each pair becomes an `export NAME='value'` line of the batch script.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`job ${request.jobId}: not a valid environment variable name: ${JSON.stringify(name)}`);
    if (/[\u0000-\u001f]/.test(value)) throw new Error(`job ${request.jobId}: control character in the value of ${name}`);
    env[name] = value;
  }
  return env;
}

/** Checks what every backend needs of a request before it accepts the job. */
export function checkRequest(request: SubmitRequest): void {
  if (request.argv.length === 0 || !request.argv[0]) throw new Error(`job ${request.jobId}: empty argv`);
  if (request.array) {
    const { size, parallel } = request.array;
    if (!Number.isSafeInteger(size) || size < 1) throw new Error(`job ${request.jobId}: array size must be a positive whole number, not ${size}`);
    if (parallel !== undefined && (!Number.isSafeInteger(parallel) || parallel < 1)) {
      throw new Error(`job ${request.jobId}: array parallel must be a positive whole number, not ${parallel}`);
    }
  }
  const { timeMinutes } = request.resources;
  if (!Number.isSafeInteger(timeMinutes) || timeMinutes < 1) throw new Error(`job ${request.jobId}: timeMinutes must be a positive whole number, not ${timeMinutes}`);
}
