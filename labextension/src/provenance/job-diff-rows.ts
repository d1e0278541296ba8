import type { TranslationBundle } from '@jupyterlab/translation';
import type { JobDiff } from '@narrative/server/client';

/** One line of the side-by-side view: a property, its value in each run as text, and whether they are equal. */
export interface IDiffRow {
  label: string;
  a: string;
  b: string;
  same: boolean;
}

type Compared = { same: boolean; a: unknown; b: unknown };

/**
 * The rows of two runs side by side, in the order a scientist reads them:
 * what ran, with what, where, how it ended, then each output file.
 */
export function diffRows(d: JobDiff, trans: TranslationBundle): IDiffRow[] {
  const rows: IDiffRow[] = [];
  const add = (label: string, c: Compared, text: (value: unknown) => string = show) => rows.push({ label, a: text(c.a), b: text(c.b), same: c.same });
  add(trans.__('state'), d.state);
  add(trans.__('app'), d.app);
  add(trans.__('version'), d.version);
  add(trans.__('image'), d.imageDigest);
  add(trans.__('Debian packages'), { ...d.packages.count, same: d.packages.same }, (n) => (typeof n === 'number' ? trans.__('%1 packages', n) : trans.__('not known')));
  for (const p of d.params.items) add(trans.__('parameter %1', p.name), { same: p.same, a: 'a' in p ? p.a : undefined, b: 'b' in p ? p.b : undefined });
  for (const i of d.inputs.items) add(trans.__('input %1', i.name), { same: i.same, a: input(i.given.a, i.resolved.a), b: input(i.given.b, i.resolved.b) });
  add(trans.__('launcher'), d.runtime, (v) => (v ? `${(v as { name: string }).name} ${(v as { version: string }).version}` : '—'));
  add(trans.__('job wrapper'), d.wrapper);
  add(trans.__('node'), d.node);
  add(trans.__('CPUs'), d.resources.cpus);
  add(trans.__('memory (MiB)'), d.resources.memoryMiB);
  add(trans.__('time limit (minutes)'), d.resources.timeMinutes);
  add(trans.__('GPUs'), d.resources.gpus);
  add(trans.__('exit code'), d.exitCode);
  add(trans.__('duration (s)'), d.durationSeconds, (v) => (typeof v === 'number' ? v.toFixed(3) : '—'));
  for (const f of d.outputs.files) {
    add(trans.__('output %1', `${f.output}/${f.file}`), f, (v) => {
      if (!v) return '—';
      const { size, sha256 } = v as { size: number; sha256: string };
      return trans.__('%1 bytes, sha256 %2', size, sha256.slice(0, 12));
    });
  }
  return rows;
}

/** The package changes from a to b as table rows: name, version in a, version in b (a dash where absent). */
export function packageRows(p: JobDiff['packages']): [string, string, string][] {
  return [
    ...p.removed.map((x): [string, string, string] => [x.name, x.version, '—']),
    ...p.added.map((x): [string, string, string] => [x.name, '—', x.version]),
    ...p.changed.map((x): [string, string, string] => [x.name, x.a, x.b]),
  ].sort(([x], [y]) => x.localeCompare(y));
}

function input(given: string | null, resolved: string | null): string | null {
  if (resolved === null) return null;
  return given === null || given === resolved ? resolved : `${given} → ${resolved}`;
}

/** A value as one cell: text as it is, anything else as JSON, nothing as a dash. */
function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
