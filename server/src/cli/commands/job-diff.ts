import type { Command } from 'commander';
import type { JobDiff } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, table } from '../output.js';
import { jobId } from './jobs.js';

/** `narrative job diff <a> <b>`: what differs between two runs, side by side (--json: the API's document). */
export function diffCommand(job: Command): void {
  job
    .command('diff <a> <b>')
    .description('what differs between two runs: app version, image and its Debian packages, params, inputs, launcher, node, resources, exit, duration, output files')
    .action(async (a: string, b: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).diffJobs(jobId(a), jobId(b)), describeDiff);
    });
}

type Row = { mark: string; property: string; a: string; b: string };

/** The two runs as a table (differing rows marked ≠), then the package changes, then a one-line verdict. */
export function describeDiff(d: JobDiff): string {
  const rows: Row[] = [];
  const add = (property: string, c: { same: boolean; a: unknown; b: unknown }, text: (v: unknown) => string = show) =>
    rows.push({ mark: c.same ? '' : '≠', property, a: text(c.a), b: text(c.b) });
  add('state', d.state);
  add('app', d.app);
  add('version', d.version);
  add('image', d.imageDigest, shortDigest);
  add('packages', { ...d.packages.count, same: d.packages.same }, (n) => (typeof n === 'number' ? `${n} Debian packages` : 'not known'));
  for (const p of d.params.items) add(`param ${p.name}`, { same: p.same, a: 'a' in p ? p.a : undefined, b: 'b' in p ? p.b : undefined });
  for (const i of d.inputs.items) add(`input ${i.name}`, { same: i.same, a: input(i.given.a, i.resolved.a), b: input(i.given.b, i.resolved.b) });
  add('launcher', d.runtime, (v) => (v ? `${(v as { name: string }).name} ${(v as { version: string }).version}` : '—'));
  add('job wrapper', d.wrapper);
  add('node', d.node);
  add('cpus', d.resources.cpus);
  add('memory (MiB)', d.resources.memoryMiB);
  add('time (minutes)', d.resources.timeMinutes);
  add('gpus', d.resources.gpus);
  add('exit code', d.exitCode);
  add('duration (s)', d.durationSeconds, (v) => (typeof v === 'number' ? v.toFixed(3) : '—'));
  for (const f of d.outputs.files) add(`output ${f.output}/${f.file}`, f, (v) => (v ? `${(v as { size: number }).size} bytes, sha256 ${(v as { sha256: string }).sha256.slice(0, 12)}` : '—'));
  const header = `a: job ${d.a.id} (${d.a.app}@${d.a.version}, ${d.a.state}, ${d.a.user})\nb: job ${d.b.id} (${d.b.app}@${d.b.version}, ${d.b.state}, ${d.b.user})`;
  // The mark's column has no heading: a ≠ speaks for itself.
  const lines = table(rows.map((r) => ({ ...r, '': r.mark })), ['', 'property', 'a', 'b']).split('\n');
  const differing = rows.filter((r) => r.mark).length;
  const verdict = d.same ? 'The two runs are the same (apart from how long they took).' : `${differing} of ${rows.length} properties differ.`;
  return [header, '', ...lines, ...packageLines(d.packages), '', verdict].join('\n');
}

function packageLines(p: JobDiff['packages']): string[] {
  if (!p.known) return p.same ? [] : ['', 'Debian packages: not known here for an image that is not in this server\'s store.'];
  if (p.added.length + p.removed.length + p.changed.length === 0) return [];
  return [
    '',
    `Debian packages: ${p.added.length} added, ${p.removed.length} removed, ${p.changed.length} changed (a → b)`,
    ...p.added.map((x) => `  + ${x.name} ${x.version}`),
    ...p.removed.map((x) => `  - ${x.name} ${x.version}`),
    ...p.changed.map((x) => `  ~ ${x.name} ${x.a} → ${x.b}`),
  ];
}

function input(given: string | null, resolved: string | null): string | null {
  if (resolved === null) return null;
  return given === null || given === resolved ? resolved : `${given} → ${resolved}`;
}

function shortDigest(value: unknown): string {
  return typeof value === 'string' ? value.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…') : '—';
}

/** A value as one cell: text as it is, anything else as JSON, nothing as a dash. */
function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
