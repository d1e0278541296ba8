import fc from 'fast-check';
import { checkOutcome, RESET_TOLERATED_BYTES, type CheckContext, type Violation } from './checks.js';
import type { Finding, Findings, Origin } from './findings.js';
import type { Operation } from './operations.js';
import { describeRequest, renderBody, type RequestSpec } from './request.js';
import type { Runner } from './runner.js';
import { subSeed } from './seed.js';
import type { Outcome, Sender } from './sender.js';
import type { ServerChild } from './server-child.js';

export interface Planned {
  spec: RequestSpec;
  origin: Origin;
  /** A read of what `spec` wrote, sent right after it: a write accepted but unreadable is a failure too. */
  followUp?: RequestSpec;
  /** The request must be refused (a 4xx): it holds a value no parameter takes. */
  refused?: boolean;
}

/** Node's default limit on a request's head: past it the server answers 431 and closes, maybe before the client has finished sending. */
const HEAD_LIMIT_BYTES = 16 * 1024;

/** Shrinking stops after this many replays of one finding: a reproduction a little larger than minimal is fine, a test that never ends is not. */
const SHRINK_REPLAYS = 150;

/**
 * The whole run's requests, generated before any is sent: each operation gets
 * a share of `runs` (more for operations with bodies and path parameters) and
 * its own seed; fast-check generates the share as runs 0…n-1 of a property,
 * so (seed, n, index) replays any one of them. Operations are interleaved so
 * requests to different endpoints are in flight together.
 */
export function plan(ops: Operation[], arbitrary: (op: Operation) => fc.Arbitrary<RequestSpec>, seed: number, runs: number): { items: Planned[]; arbitraries: Map<string, fc.Arbitrary<RequestSpec>> } {
  const weight = (op: Operation) => ((op.body ? 2 : 1) + 0.5 * op.params.filter((p) => p.in === 'path').length) * cost(op);
  const total = ops.reduce((sum, op) => sum + weight(op), 0);
  const arbitraries = new Map<string, fc.Arbitrary<RequestSpec>>();
  const lists: Planned[][] = [];
  for (const op of ops) {
    const arb = arbitrary(op);
    arbitraries.set(op.key, arb);
    const n = Math.max(8, Math.ceil((runs * weight(op)) / total));
    const opSeed = subSeed(seed, op.key);
    const specs: RequestSpec[] = [];
    const details = fc.check(fc.property(arb, (spec) => void specs.push(spec)), { seed: opSeed, numRuns: n });
    // Generation must never fail quietly: a run that sends fewer requests than it says is a weaker run.
    if (specs.length !== n) throw new Error(`generating requests for ${op.key} stopped after ${specs.length} of ${n}: ${details.errorInstance ?? 'no error given'}`);
    lists.push(specs.map((spec, index) => ({ spec, origin: { op: op.key, seed: opSeed, runs: n, index } })));
  }
  const items: Planned[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const list of lists) if (i < list.length) items.push(list[i]!);
  return { items, arbitraries };
}

/**
 * Fewer requests where each costs far more than the rest: a password checked
 * or set (argon2, by design slow), a round trip through the Jupyter child.
 * They are still fuzzed every run, only not at the price of everything else.
 */
function cost(op: Operation): number {
  if (/ \/api\/v1\/(login|users)$/.test(op.key)) return 0.3;
  return op.family === 'kernel' ? 0.5 : 1;
}

export interface Campaign {
  server: ServerChild;
  sender: Sender;
  runner: Runner;
  findings: Findings;
  context: (op: string) => CheckContext;
  /** FUZZ_TRACE: one line per request (status, caller, method, path), to see what a run did. */
  trace?: (line: string) => void;
}

/** Time spent per operation, for FUZZ_PROFILE=1: where a slow run goes. */
const profile = new Map<string, { n: number; ms: number }>();

export function slowestOperations(count = 15): string {
  return [...profile].sort((a, b) => b[1].ms - a[1].ms).slice(0, count).map(([op, p]) => `# fuzz: ${(p.ms / 1000).toFixed(1)} s in ${p.n} × ${op}\n`).join('');
}

/** Sends one planned request (and its follow-up read) and records what they violate; the answer, unless the server died. */
export async function execute(c: Campaign, item: Planned): Promise<Outcome | undefined> {
  const outcome = await sendAndCheck(c, item.spec, item.origin);
  if (item.refused && outcome?.status !== undefined && outcome.status < 400) {
    c.findings.add({ kind: 'unexpected', detail: `a number no parameter takes was accepted (${outcome.status})` }, item.spec, outcome, item.origin, '');
  }
  if (outcome && item.followUp) await sendAndCheck(c, item.followUp, { ...item.origin, op: item.followUp.op });
  return outcome;
}

async function sendAndCheck(c: Campaign, spec: RequestSpec, origin: Origin): Promise<Outcome | undefined> {
  const start = performance.now();
  const { result: outcome, died } = await c.runner.guarded(() => describeRequest(spec), () => c.sender.send(spec));
  const p = profile.get(spec.op) ?? { n: 0, ms: 0 };
  profile.set(spec.op, { n: p.n + 1, ms: p.ms + performance.now() - start });
  c.trace?.(`${outcome.status ?? outcome.error} ${spec.caller} ${spec.method} ${spec.path}${spec.query ? `?${spec.query}` : ''}`);
  if (died) return undefined;
  for (const v of violations(c, spec, outcome)) c.findings.add(v, spec, outcome, origin, c.server.logFor(spec.path).join('\n'));
  return outcome;
}

function violations(c: Campaign, spec: RequestSpec, outcome: Outcome): Violation[] {
  if (outcome.error?.startsWith('client refused')) return [];
  if (outcome.error && /ECONNRESET|EPIPE|socket hang up/.test(outcome.error)) {
    // Refused early (a 401, a 413, a 431 for a head over Node's 16 KiB) while still sending: the answer may be lost with the connection.
    const head = spec.path.length + spec.query.length + Object.values(spec.headers).reduce((n, v) => n + (v?.length ?? 0), 0);
    if ((renderBody(spec.body)?.length ?? 0) > RESET_TOLERATED_BYTES || head > HEAD_LIMIT_BYTES) return [];
  }
  return checkOutcome(spec, outcome, c.context(spec.op));
}

/**
 * Replays a finding's request from its seed and index and lets fast-check
 * shrink it while it still fails the same way (same kind, same status): the
 * reproduction printed is then the smallest request found, not the first.
 */
export async function shrink(c: Campaign, arb: fc.Arbitrary<RequestSpec>, finding: Finding): Promise<void> {
  if (!finding.origin || finding.kind === 'crash' || finding.kind === 'no-answer') return;
  let replays = 0;
  let last: { spec: RequestSpec; outcome: Outcome } | null = null;
  await fc.check(
    fc.asyncProperty(arb, async (spec) => {
      if (replays++ >= SHRINK_REPLAYS || !c.server.alive) return true;
      // A shrunk request that kills the server is a crash finding of its own (the runner records it), not this one.
      const { result: outcome, died } = await c.runner.guarded(() => describeRequest(spec), () => c.sender.send(spec));
      if (died) return true;
      const same = violations(c, spec, outcome).some((v) => v.kind === finding.kind) && outcome.status === finding.outcome?.status;
      if (same) last = { spec, outcome };
      return !same;
    }),
    { seed: finding.origin.seed, numRuns: finding.origin.runs, path: String(finding.origin.index) },
  );
  if (last) {
    finding.minimal = (last as { spec: RequestSpec }).spec;
    finding.minimalOutcome = (last as { outcome: Outcome }).outcome;
  } else {
    finding.notReproduced = true;
  }
}
