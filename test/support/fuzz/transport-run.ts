import type { WriteStream } from 'node:fs';
import { checkTransport } from './checks.js';
import type { Findings } from './findings.js';
import { owesAnswer, rawSend, type RawRequest } from './raw-http.js';
import type { Runner } from './runner.js';
import type { ServerChild } from './server-child.js';
import { toRaw, type TransportCase } from './transport-cases.js';
import type { World } from './world.js';

export interface TransportRun {
  server: ServerChild;
  runner: Runner;
  findings: Findings;
  world: World;
  canary: string;
  trace: WriteStream | null;
}

/** Sends one transport case over a raw socket and records what its answer (or silence) violates. */
export async function sendCase(t: TransportRun, c: TransportCase): Promise<void> {
  const label = () => `${c.label}: ${c.method} ${c.path} as ${c.caller}`;
  const raw = toRaw(c, t.world.headers[c.caller]);
  const owed = owesAnswer(c.framing);
  const start = Date.now();
  const { result: outcome, died } = await t.runner.guarded(label, () => rawSend(t.server.url, raw), owed);
  t.trace?.write(`${outcome.status ?? outcome.error} ${Date.now() - start}ms ${label()}\n`);
  if (died) return;
  const violations = checkTransport(c.path, owed, raw.body.length, outcome, t.canary);
  if (c.expectStatus !== undefined && outcome.status !== undefined && outcome.status !== c.expectStatus) violations.push({ kind: 'unexpected', detail: `answered ${outcome.status}, not ${c.expectStatus}` });
  for (const v of violations) {
    t.findings.add(v, undefined, outcome, undefined, t.server.logFor(c.path).join('\n'), { label: label(), text: describeRaw(raw) });
  }
}

/** The request as it went out, credentials elided: head lines, framing, and the start of the body. */
function describeRaw(r: RawRequest): string {
  const short = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  const headers = r.headers.map((h) => (/^(authorization|cookie):/i.test(h) ? `${h.split(':')[0]}: …` : short(JSON.stringify(h).slice(1, -1))));
  const body = r.body.subarray(0, 300).toString('latin1');
  return [`${r.method} ${short(r.path)}`, ...headers, `(${r.framing}${r.framing.endsWith('Cut') || r.framing === 'abort' || r.framing === 'shortLength' ? ` at ${Math.round(r.cut * 100)}% of ${r.body.length} bytes` : `, ${r.body.length} bytes`})`, JSON.stringify(body) + (r.body.length > 300 ? '…' : '')].join('\n');
}

/**
 * The fixed cases one at a time, so a crash names its cause (a client that
 * hung up can take the server down just after its own exchange: the crash
 * gets a moment to show before the next case); the generated ones a few at a time.
 */
export async function runTransport(t: TransportRun, fixed: TransportCase[], generated: TransportCase[], concurrency: number): Promise<void> {
  await t.runner.runAll(fixed, 1, async (c) => {
    const mark = t.server.logMark();
    await sendCase(t, c);
    await t.server.exitsWithin(100);
    // One at a time, what the server logged now is about this case: a client's mistake (or its hanging up) is not a server failure.
    const failures = t.server.logAfter(mark).filter((line) => line.includes('"level":50'));
    if (failures.length > 0 && t.server.alive) {
      t.findings.add({ kind: 'logged-error', detail: 'logged as a server failure (level 50)' }, undefined, undefined, undefined, failures.join('\n'), { label: `${c.label}: ${c.method} ${c.path} as ${c.caller}`, text: describeRaw(toRaw(c, {})) });
    }
  });
  await t.runner.runAll(generated, concurrency, (c) => sendCase(t, c));
}
