import type { TranslationBundle } from '@jupyterlab/translation';
import type { ObjectVersion } from '@narrative/server/client';
import type { IStep } from './layout.js';

type Provenance = ObjectVersion['provenance'];

/** The step that made an object, for the graph: its app run (one node per job), or the code cell that saved it. */
export function stepOf(object: ObjectVersion, trans: TranslationBundle): IStep | undefined {
  const { app, code } = object.provenance;
  if (object.provenance.kind === 'app' && app) {
    // Job 0: imported from an archive that did not carry the run; each such output is its own step.
    const job = app.jobId > 0 ? app.jobId : undefined;
    return { ...(job ? { key: `job:${job}` } : {}), kind: 'app', title: `${app.id}@${app.version}`, subtitle: job ? trans.__('job %1', job) : trans.__('imported') };
  }
  if (object.provenance.kind === 'code' && code) {
    return {
      kind: 'code',
      title: code.cell ? trans.__('code cell %1', code.cell.slice(0, 8)) : trans.__('code'),
      subtitle: code.sourceSha256 ? trans.__('source sha256 %1', code.sourceSha256.slice(0, 12)) : trans.__('source not recorded'),
    };
  }
  return undefined;
}

/** How an object came to be, in words. */
export function madeBy(p: Provenance, trans: TranslationBundle): string {
  switch (p.kind) {
    case 'app': return trans.__('an app run');
    case 'code': return trans.__('code in a notebook cell');
    case 'upload': return trans.__('an upload');
    default: return trans.__('a save');
  }
}

/** The details rows of the step that made an object: the app run's, or the code cell's. */
export function stepRows(p: Provenance, trans: TranslationBundle): [string, string][] {
  const rows: [string, string][] = [];
  if (p.kind === 'app' && p.app) {
    const app = p.app;
    rows.push(
      [trans.__('app'), `${app.id}@${app.version}`],
      [trans.__('image'), app.imageDigest],
      [trans.__('job'), `${app.jobId} (${app.scheduler} ${show(app.schedulerId)})`],
      [trans.__('node'), show(app.node)],
      [trans.__('runtime'), `${app.runtime.name} ${app.runtime.version}`],
      [trans.__('started, ended'), `${app.startedAt}, ${app.endedAt}`],
      [trans.__('parameters'), JSON.stringify(app.params)],
    );
  }
  if (p.kind === 'code' && p.code) {
    const code = p.code;
    if (p.narrative) rows.push([trans.__('narrative'), p.narrative.version === undefined ? String(p.narrative.id) : trans.__('%1, version %2', p.narrative.id, p.narrative.version)]);
    rows.push(
      [trans.__('cell'), code.cell ?? trans.__('not recorded')],
      [trans.__('source sha256'), code.sourceSha256 ?? trans.__('not recorded')],
      [trans.__('kernel image'), code.kernelImage ?? trans.__("the server's own Python, not an image")],
    );
  }
  return rows;
}

/** A provenance value as text: absent as a dash. */
function show(value: string | number | null | undefined): string {
  return value === undefined || value === null ? '—' : String(value);
}
