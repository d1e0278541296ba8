import { percentile } from '../benchmark.js';

/** Per request kind: every latency, and the failures with what the first few answered. */
export class Recorder {
  readonly latencies = new Map<string, number[]>();
  readonly errors = new Map<string, number>();
  readonly firstErrors: string[] = [];
  readonly counts = new Map<string, number>();

  record(kind: string, ms: number, ok: boolean, detail: string): void {
    if (!this.latencies.has(kind)) this.latencies.set(kind, []);
    this.latencies.get(kind)!.push(ms);
    if (ok) return;
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    if (this.firstErrors.length < 5) this.firstErrors.push(`${kind}: ${detail}`);
  }

  count(what: string, n: number): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }

  get requests(): number {
    let n = 0;
    for (const [kind, values] of this.latencies) if (!kind.startsWith('job,')) n += values.length;
    return n;
  }

  get errorCount(): number {
    let n = 0;
    for (const value of this.errors.values()) n += value;
    return n;
  }

  percentileOf(kind: string, p: number): number {
    return percentile(this.latencies.get(kind) ?? [], p);
  }

  /** "12 errors (save object: 3, …); first: …", or "0 errors". */
  errorSummary(): string {
    if (this.errorCount === 0) return '0 errors';
    const byKind = [...this.errors].map(([kind, n]) => `${kind}: ${n}`).join(', ');
    return `${this.errorCount} ERRORS (${byKind}); first: ${this.firstErrors.join(' | ')}`;
  }
}
