import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job, ObjectVersion } from '@narrative/server/client';
import { el } from '../dom.js';
import { renderSummary } from '../viewers/summary.js';
import { describeJobState } from './job-state.js';
import { renderVerification } from './verification-view.js';

/** Opens an object's viewer or its provenance in the main area. */
export type OpenObject = (what: 'object' | 'provenance', ref: string) => void;

/** The job section: its state in one sentence, its log (filled by showLog), and once completed its outputs. */
export function renderJob(job: Job, describe: (ref: string) => ObjectVersion | undefined, trans: TranslationBundle, open: OpenObject): HTMLElement[] {
  const status = el('div', 'jp-narrative-AppState');
  status.dataset.state = job.state;
  status.textContent = describeJobState(job, trans);
  // Laid out bottom up, the log shows its newest lines without a scroll (reading scrollHeight would force a layout per cell).
  const log = el('div', 'jp-narrative-AppLog');
  log.appendChild(el('pre', 'jp-narrative-AppLogText'));
  if (job.state !== 'completed' || !job.outputs) return [status, log];
  const outputs = el('ul', 'jp-narrative-AppOutputs');
  for (const ref of job.outputs) outputs.appendChild(renderOutput(ref, describe(ref), trans, open));
  const report = job.verification ? [renderVerification(job.verification, trans)] : [];
  return [status, ...report, log, el('div', 'jp-narrative-AppSectionTitle', trans.__('Outputs')), outputs];
}

/** Shows the log's lines (hidden while there are none). */
export function showLog(node: HTMLElement, lines: readonly string[]): void {
  const log = node.querySelector<HTMLElement>('.jp-narrative-AppLog');
  if (!log) return;
  log.firstElementChild!.textContent = lines.join('\n');
  log.hidden = lines.length === 0;
}

/** One output: its name, type and ref, a picture of its data for its type, and links to its viewer and provenance. */
function renderOutput(ref: string, object: ObjectVersion | undefined, trans: TranslationBundle, open: OpenObject): HTMLElement {
  const item = el('li', 'jp-narrative-AppOutput');
  item.dataset.ref = ref;
  const title = el('div', 'jp-narrative-AppOutputTitle');
  title.append(el('span', 'jp-narrative-AppOutputName', object?.name ?? ref), el('span', 'jp-narrative-Meta', object ? `${object.type} · ${ref}` : ''));
  for (const [what, label] of [['object', trans.__('Open')], ['provenance', trans.__('Provenance')]] as const) {
    const link = el('button', `jp-Button jp-mod-styled jp-narrative-AppOutputLink jp-narrative-AppOutput-${what}`, label);
    link.addEventListener('click', () => open(what, ref));
    title.appendChild(link);
  }
  item.appendChild(title);
  if (object) item.appendChild(renderSummary(object, trans));
  return item;
}
