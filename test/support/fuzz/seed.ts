import { createHash, randomInt } from 'node:crypto';

/**
 * The run's knobs, from the environment: one master seed (printed, so any run
 * can be replayed with FUZZ_SEED=<seed>), the number of generated requests
 * (FUZZ_RUNS) and how many are in flight at once (FUZZ_CONCURRENCY).
 */
export interface FuzzSettings {
  seed: number;
  runs: number;
  concurrency: number;
}

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  return {
    seed: env.FUZZ_SEED ? wholeNumber('FUZZ_SEED', env.FUZZ_SEED) : randomInt(0, 2 ** 31 - 1),
    runs: env.FUZZ_RUNS ? wholeNumber('FUZZ_RUNS', env.FUZZ_RUNS) : 10_000,
    concurrency: env.FUZZ_CONCURRENCY ? Math.max(1, wholeNumber('FUZZ_CONCURRENCY', env.FUZZ_CONCURRENCY)) : 6,
  };
}

/**
 * A seed per operation, derived from the master seed and the operation's name
 * (not its position), so adding an endpoint does not change what every other
 * operation is sent under the same master seed.
 */
export function subSeed(master: number, name: string): number {
  return createHash('sha256').update(`${master}:${name}`).digest().readUInt32BE(0) & 0x7fffffff;
}

function wholeNumber(name: string, text: string): number {
  const value = Number(text);
  // A typo must not silently become a random seed or a run of 0 requests.
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not ${JSON.stringify(text)}`);
  return value;
}
