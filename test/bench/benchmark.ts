/** What a figure's ratio should be: at most `ratio` (a time, a size) or at least it (a rate). */
export interface Target {
  ratio: number;
  at: 'most' | 'least';
}

/** One measured figure and the baseline it is read against, measured in the same run on the same machine. */
export interface Figure {
  name: string;
  unit: string;
  /** The median of `samples`. */
  value: number;
  /** Every repeat, in the order measured; one value when the figure is a single measurement. */
  samples: number[];
  baseline: { name: string; value: number; samples: number[] };
  /** value ÷ baseline: what a target is stated in. */
  ratio: number;
  target?: Target;
  /** Whether the ratio meets the target; absent without a target. */
  met?: boolean;
  notes?: string;
}

export interface Benchmark {
  /** What `npm run bench -- <name>` runs. */
  name: string;
  title: string;
  run(): Promise<Figure[]>;
}

export interface Machine {
  cpus: number;
  memoryGiB: number;
  node: string;
  kernel: string;
}

/** A benchmark's figures as last measured, kept in bench/results.json. */
export interface BenchmarkResult {
  name: string;
  title: string;
  measuredAt: string;
  machine: Machine;
  /** The versions of what was measured: the commit, SQLite, Slurm, ch-run, … as far as each could be asked. */
  versions?: Record<string, string>;
  /** The runner's own peak resident memory over this benchmark, in MiB (servers it started report theirs in their figures). */
  runnerPeakMiB?: number;
  seconds?: number;
  figures: Figure[];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `measure` `times` times, in order, and keeps every result. */
export async function repeat(times: number, measure: (round: number) => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < times; round++) samples.push(await measure(round));
  return samples;
}

/**
 * Runs the measured path and its baseline alternately, so that a machine
 * busy for a moment weighs on both alike rather than on whichever ran then.
 */
export async function interleave(times: number, measured: () => Promise<number>, baseline: () => Promise<number>): Promise<{ measured: number[]; baseline: number[] }> {
  const out = { measured: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < times; round++) {
    if (round % 2 === 0) {
      out.measured.push(await measured());
      out.baseline.push(await baseline());
    } else {
      out.baseline.push(await baseline());
      out.measured.push(await measured());
    }
  }
  return out;
}

export interface FigureInput {
  name: string;
  unit: string;
  samples: number[];
  baseline: { name: string; samples: number[] };
  target?: Target;
  notes?: string;
}

/** A figure from its samples: medians on both sides, their ratio, and whether it meets its target. */
export function figure(input: FigureInput): Figure {
  const value = median(input.samples);
  const base = median(input.baseline.samples);
  const ratio = value / base;
  const met = input.target === undefined ? undefined : input.target.at === 'most' ? ratio <= input.target.ratio : ratio >= input.target.ratio;
  return {
    name: input.name, unit: input.unit, value, samples: input.samples,
    baseline: { name: input.baseline.name, value: base, samples: input.baseline.samples },
    ratio, ...(input.target ? { target: input.target, met } : {}), ...(input.notes ? { notes: input.notes } : {}),
  };
}

/** Milliseconds since `started` (a performance.now() reading). */
export const since = (started: number): number => performance.now() - started;
