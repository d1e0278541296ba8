import type { JobResult } from '@narrative/launcher-native';
import type { JobUsage } from '../../schemas/jobs.js';

/**
 * What an ended job's app used, from its wrapper's result: the wrapper's own measure
 * (result.json's `usage`), or for a result from before it measured one, the peak memory it
 * did record. null when there is no result, or the app never started (no `memory` either).
 */
export function usageOf(result: JobResult | null): JobUsage | null {
  if (!result) return null;
  if (result.usage) return { ...result.usage };
  // The wrapper's start and end also hold the staging of inputs and hashing of outputs: not the app's time.
  return result.memory ? { cpuSeconds: null, peakMemoryMiB: result.memory.peakMiB, wallSeconds: null } : null;
}
