import type { TranslationBundle } from '@jupyterlab/translation';
import { barChart, el, statTiles, table } from '../dom.js';

/** What a summary needs of an object version. */
export interface ISummarized {
  type: string;
  data: unknown;
}

type Data = Record<string, unknown>;
type Summarize = (data: Data, trans: TranslationBundle) => HTMLElement;

const num = (v: unknown, digits = 0): string =>
  typeof v === 'number' ? v.toLocaleString(undefined, { maximumFractionDigits: digits }) : v === undefined || v === null ? '—' : String(v);

const pct = (v: unknown): string => (typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : '—');

/** One viewer per type family (the type id without its version); the key is what a scientist sees first. */
const SUMMARIES: Record<string, Summarize> = {
  'Genomics.Reads': (d, trans) =>
    statTiles([
      [trans.__('format'), num(d.format)],
      [trans.__('paired'), d.paired === true ? trans.__('yes') : trans.__('no')],
    ]),
  'Genomics.Assembly': (d, trans) =>
    statTiles([
      [trans.__('contigs'), num(d.contigCount)],
      [trans.__('total length'), `${num(d.totalLength)} bp`],
      [trans.__('N50'), `${num(d.n50)} bp`],
      [trans.__('GC'), pct(d.gcContent)],
      [trans.__('assembler'), num(d.assembler)],
    ]),
  'Genomics.Genome': (d, trans) =>
    statTiles([
      [trans.__('genes'), num(d.geneCount)],
      [trans.__('proteins'), num(d.proteinCount)],
      [trans.__('coding density'), pct(d.codingDensity)],
      [trans.__('annotator'), num(d.annotator)],
    ]),
  'Report.Report': (d, trans) => {
    const box = el('div', 'jp-narrative-Summary');
    if (typeof d.title === 'string') box.appendChild(el('div', 'jp-narrative-SummaryTitle', d.title));
    const tables = Array.isArray(d.tables) ? (d.tables as { name?: string; columns?: unknown[]; rows?: unknown[][] }[]) : [];
    for (const t of tables) {
      const columns = (t.columns ?? []).map(String);
      const rows = (t.rows ?? []).map((r) => r.map((c) => num(c, 3)));
      // A one-row table reads better turned on its side: one statistic per line.
      box.appendChild(rows.length === 1 ? table([trans.__('statistic'), trans.__('value')], columns.map((c, i) => [c, rows[0]![i] ?? ''])) : table(columns, rows));
    }
    if (tables.length === 0 && typeof d.text === 'string') box.appendChild(el('pre', 'jp-narrative-SummaryText', d.text));
    for (const w of Array.isArray(d.warnings) ? d.warnings : []) box.appendChild(el('p', 'jp-narrative-Message jp-mod-warn', String(w)));
    return box;
  },
  'Metabolism.FBASolution': (d, trans) => {
    const box = el('div', 'jp-narrative-Summary');
    box.appendChild(statTiles([
      [trans.__('status'), num(d.status)],
      [trans.__('objective value'), num(d.objectiveValue, 4)],
      [trans.__('objective'), num(d.objective)],
    ]));
    const fluxes = Object.entries((d.fluxes ?? {}) as Record<string, number>).filter(([, v]) => typeof v === 'number' && v !== 0);
    if (fluxes.length > 0) {
      fluxes.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
      box.appendChild(el('div', 'jp-narrative-SummaryTitle', trans.__('Largest fluxes (%1 of %2 reactions carry flux)', Math.min(12, fluxes.length), fluxes.length)));
      box.appendChild(barChart(fluxes.slice(0, 12)));
    }
    return box;
  },
};

/** The family of a type id: `Genomics.Assembly-1.0` → `Genomics.Assembly`. */
export function typeFamily(type: string): string {
  return type.replace(/-\d+(\.\d+)*$/, '');
}

/** A picture of an object's data for its type, or a table of its plain fields when the type has no viewer. */
export function renderSummary(object: ISummarized, trans: TranslationBundle): HTMLElement {
  const data = (object.data && typeof object.data === 'object' ? object.data : {}) as Data;
  const summarize = SUMMARIES[typeFamily(object.type)];
  if (summarize) {
    const node = summarize(data, trans);
    node.dataset.viewer = typeFamily(object.type);
    return node;
  }
  const plain = Object.entries(data).filter(([, v]) => v === null || typeof v !== 'object');
  const node = plain.length > 0 ? table([trans.__('field'), trans.__('value')], plain.map(([k, v]) => [k, num(v, 6)])) : el('div', 'jp-narrative-Summary');
  node.dataset.viewer = 'fields';
  return node;
}
