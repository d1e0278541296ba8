/** One measured figure and the baseline it is read against, measured in the same run on the same machine. */
export interface Figure {
  name: string;
  unit: string;
  value: number;
  baseline: { name: string; value: number };
  /** value ÷ baseline: what a target is stated in. */
  ratio: number;
  notes?: string;
}

export interface Benchmark {
  /** What `npm run bench -- <name>` runs. */
  name: string;
  title: string;
  run(): Promise<Figure[]>;
}

/** A benchmark's figures as last measured, kept in bench/results.json. */
export interface BenchmarkResult {
  name: string;
  title: string;
  measuredAt: string;
  machine: { cpus: number; memoryGiB: number; node: string; kernel: string };
  figures: Figure[];
}
