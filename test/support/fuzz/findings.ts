import type { Violation } from './checks.js';
import { describeRequest, type RequestSpec } from './request.js';
import type { Outcome } from './sender.js';

/** Where a generated request came from: its operation's seed and run index replay it exactly (fast-check's `path`). */
export interface Origin {
  op: string;
  seed: number;
  runs: number;
  index: number;
}

export interface Finding {
  key: string;
  kind: string;
  op: string;
  count: number;
  detail: string;
  spec?: RequestSpec;
  outcome?: Outcome;
  origin?: Origin;
  /** What the server logged about it: the error behind a 500, the last words of a crash. */
  log: string;
  /** A shrunk request that still fails the same way, once shrinking ran. */
  minimal?: RequestSpec;
  minimalOutcome?: Outcome;
  /** A raw request as sent (head and the start of its body), when there is no spec. */
  rawRequest?: string;
  /** Replayed alone after the run, the request passed: the failure depended on what other requests had done (state, or timing). */
  notReproduced?: boolean;
  /** Every operation it was seen on (one cause can show on many). */
  ops: Set<string>;
  /** Other requests that were in flight when the server died (any of them may be the cause). */
  alsoInFlight?: string[];
}

/**
 * Failures, deduplicated by cause: the kind of failure, the operation, the
 * status, and for a 500 or a crash the error the server logged (numbers
 * blanked), so a thousand requests failing one way are one finding.
 */
export class Findings {
  private readonly byKey = new Map<string, Finding>();

  /** `raw` stands for a request that has no spec (a raw transport case): its name, and its bytes as sent. */
  add(v: Violation, spec: RequestSpec | undefined, outcome: Outcome | undefined, origin: Origin | undefined, log: string, raw?: { label: string; text: string }): Finding {
    const logged = v.kind === '5xx' || v.kind === 'no-answer' || v.kind === 'crash' ? errorOf(log) : '';
    // One cause shows on many endpoints (an error the server logs, a non-problem answer from below the routes): those group across operations.
    const where = logged || v.kind === 'not-problem' ? '' : (spec?.op ?? origin?.op ?? '');
    const key = [v.kind, where, outcome?.status ?? '', (logged || v.detail).replace(/\d+/g, 'N')].join(' | ');
    const existing = this.byKey.get(key);
    if (existing) {
      existing.count++;
      if (spec) existing.ops.add(spec.op);
      return existing;
    }
    const finding: Finding = {
      key, kind: v.kind, op: spec?.op ?? origin?.op ?? raw?.label ?? '', ops: new Set(spec ? [spec.op] : []), count: 1, detail: v.detail, log,
      ...(spec ? { spec } : {}), ...(outcome ? { outcome } : {}), ...(origin ? { origin } : {}), ...(raw ? { rawRequest: raw.text } : {}),
    };
    this.byKey.set(key, finding);
    return finding;
  }

  get all(): Finding[] {
    return [...this.byKey.values()];
  }

  report(seed: number, runs: number): string {
    const sections = this.all.map((f, i) => {
      const request = f.minimal ?? f.spec;
      const outcome = f.minimalOutcome ?? f.outcome;
      const lines = [`#${i + 1} ${f.kind}: ${f.op} (${f.count}×) — ${f.detail}`];
      if (f.ops.size > 1) lines.push(`seen on: ${[...f.ops].join(', ')}`);
      if (f.notReproduced) lines.push('(replayed alone after the run it passed: it depends on state or timing left by other requests)');
      if (request) lines.push(`${f.minimal ? 'shrunk request' : 'request'}:\n${indent(describeRequest(request))}`);
      else if (f.rawRequest) lines.push(`request (raw):\n${indent(f.rawRequest)}`);
      else if (f.alsoInFlight?.length) lines.push(`in flight when it died:\n${indent(f.alsoInFlight.join('\n'))}`);
      if (outcome) lines.push(`answer: ${outcome.status ?? outcome.error} ${outcome.headers['content-type'] ?? ''}\n${indent(outcome.body.slice(0, 400))}`);
      if (f.log) lines.push(`server log:\n${indent(f.log.slice(0, 1500))}`);
      if (f.origin && f.origin.seed < 0) lines.push(`an edge case (sent on every run, whatever the seed)`);
      else if (f.origin) lines.push(`replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} (operation seed ${f.origin.seed}, run ${f.origin.index} of ${f.origin.runs})`);
      return lines.join('\n');
    });
    return `${this.all.length} distinct failures (FUZZ_SEED=${seed} FUZZ_RUNS=${runs} reproduces the run):\n\n${sections.join('\n\n')}`;
  }
}

/** The error message in a pino line or a plain stack, for grouping by cause. */
export function errorOf(log: string): string {
  for (const line of log.split('\n')) {
    try {
      const entry = JSON.parse(line) as { err?: { message?: string; type?: string; stack?: string }; msg?: string };
      // The same message from two places (a stack overflow in a save, another in a read) is two causes: the first frame of our code tells them apart.
      const frame = /\/(?:server|launcher-native)\/dist\/([\w/.-]+\.js)/.exec(entry.err?.stack ?? '')?.[1];
      if (entry.err?.message) return `${entry.err.type ?? 'Error'}: ${entry.err.message}${frame ? ` (in ${frame})` : ''}`.slice(0, 300);
    } catch {
      const m = /^\s*(\w*Error\b.*|Error: .*)$/.exec(line);
      if (m) return m[1]!.slice(0, 200);
    }
  }
  return '';
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
