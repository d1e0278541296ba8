import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { Lineage, NarrativeClient, ObjectVersion } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { el, svg, table } from '../dom.js';
import { JobComparison } from './job-diff.js';
import { layoutLineage, type IGraph, type IGraphNode, type IStep } from './layout.js';
import { madeBy, stepOf, stepRows } from './steps.js';

const NODE_WIDTH = 210;
const NODE_HEIGHT = 44;
const COLUMN_GAP = 60;
const ROW_GAP = 18;
/** Tells one view's arrow marker from another's: SVG ids are page-wide. */
let views = 0;

/** Objects read for their steps; a lineage larger than this shows the rest without app names. */
const MAX_OBJECTS_READ = 60;

/**
 * The lineage of one object version as a graph (ancestors on the left,
 * descendants on the right, app runs and code cells between them), and the
 * provenance of the selected node: who made it, with which app version, image,
 * job, node, parameters and inputs, or which cell, source and kernel image.
 */
export class ProvenanceView extends Widget {
  private graph: IGraph | null = null;
  private objects = new Map<string, ObjectVersion>();
  private selected: string;
  private error = '';
  private readonly markerId = `narrative-arrow-${++views}`;
  /** Each app run's comparison, kept while the view lives so drawing the details again keeps what was compared. */
  private readonly comparisons = new Map<number, JobComparison>();

  constructor(private readonly client: NarrativeClient, readonly ref: string, private readonly trans: TranslationBundle) {
    super();
    this.addClass('jp-narrative-Provenance');
    this.selected = ref;
    this.node.tabIndex = -1;
    this.render();
    void this.load();
  }

  private async load(): Promise<void> {
    let lineage: Lineage;
    try {
      lineage = await this.client.wholeLineage(this.ref, 'both', 20);
    } catch (error) {
      this.error = describeError(error);
      this.render();
      return;
    }
    const readable = lineage.nodes.filter((n) => n.accessible).slice(0, MAX_OBJECTS_READ);
    await Promise.all(readable.map(async (n) => {
      try {
        this.objects.set(n.ref, await this.client.getObject(n.ref));
      } catch {
        // Drawn without the step that made it.
      }
    }));
    const { trans } = this;
    const steps = new Map<string, IStep>();
    for (const [ref, object] of this.objects) {
      const step = stepOf(object, trans);
      if (step) steps.set(ref, step);
    }
    this.graph = layoutLineage({ nodes: lineage.nodes, edges: lineage.edges, steps }, { untitled: trans.__('(not readable)'), step: trans.__('a step') });
    if (this.isDisposed) return;
    this.render();
  }

  private render(): void {
    const { trans } = this;
    this.node.replaceChildren();
    const header = el('div', 'jp-narrative-ProvenanceHeader');
    header.appendChild(el('h2', '', trans.__('Provenance of %1', this.objects.get(this.ref)?.name ?? this.ref)));
    header.appendChild(el('p', 'jp-narrative-Meta', trans.__('Where this object came from and what was made from it. Click a box for its details.')));
    this.node.appendChild(header);
    if (this.error) {
      this.node.appendChild(el('p', 'jp-narrative-Message jp-mod-error', trans.__('The lineage could not be loaded. %1', this.error)));
      return;
    }
    if (!this.graph) {
      this.node.appendChild(el('p', 'jp-narrative-Message', trans.__('Loading the lineage…')));
      return;
    }
    const scroller = el('div', 'jp-narrative-ProvenanceGraph');
    scroller.appendChild(this.drawGraph(this.graph));
    this.node.appendChild(scroller);
    this.node.appendChild(this.details());
  }

  private drawGraph(graph: IGraph): SVGSVGElement {
    const at = (n: IGraphNode) => ({ x: 10 + n.layer * (NODE_WIDTH + COLUMN_GAP), y: 10 + n.row * (NODE_HEIGHT + ROW_GAP) });
    const width = 20 + graph.layers * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP;
    const height = 20 + graph.rows * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
    const chart = svg('svg', { width, height, role: 'img', 'aria-label': this.trans.__('Lineage graph') });
    const marker = svg('marker', { id: this.markerId, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
    marker.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'jp-narrative-GraphArrow' }));
    const defs = svg('defs');
    defs.appendChild(marker);
    chart.appendChild(defs);
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const e of graph.edges) {
      const a = at(byId.get(e.from)!);
      const b = at(byId.get(e.to)!);
      const x1 = a.x + NODE_WIDTH;
      const y1 = a.y + NODE_HEIGHT / 2;
      const x2 = b.x;
      const y2 = b.y + NODE_HEIGHT / 2;
      const mid = (x1 + x2) / 2;
      chart.appendChild(svg('path', { d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, class: 'jp-narrative-GraphEdge', 'marker-end': `url(#${marker.id})` }));
      if (e.label) chart.appendChild(svg('text', { x: mid, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle', class: 'jp-narrative-GraphEdgeLabel' }, e.label));
    }
    for (const n of graph.nodes) {
      const { x, y } = at(n);
      const group = svg('g', { class: `jp-narrative-GraphNode jp-mod-${n.kind}${n.stepKind === 'code' ? ' jp-mod-code' : ''}`, transform: `translate(${x} ${y})`, 'data-ref': n.id, tabindex: 0 });
      if (n.id === this.ref) group.classList.add('jp-mod-root');
      if (n.id === this.selected) group.classList.add('jp-mod-selected');
      if (!n.accessible) group.classList.add('jp-mod-hidden');
      group.appendChild(svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: n.kind === 'step' ? 22 : 4 }));
      group.appendChild(svg('text', { x: 10, y: 18, class: 'jp-narrative-GraphTitle' }, clip(n.title, 28)));
      group.appendChild(svg('text', { x: 10, y: 35, class: 'jp-narrative-GraphSubtitle' }, clip(n.subtitle, 34)));
      group.appendChild(svg('title', {}, `${n.title}\n${n.subtitle}`));
      group.addEventListener('click', () => this.select(n.id));
      group.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        this.select(n.id);
      });
      chart.appendChild(group);
    }
    return chart;
  }

  private select(id: string): void {
    this.selected = id;
    this.render();
    // The graph was drawn anew: keyboard focus goes back to the chosen box.
    this.node.querySelector<SVGGElement>(`.jp-narrative-GraphNode[data-ref="${CSS.escape(id)}"]`)?.focus();
  }

  /** The provenance of the selected object, or of the object a selected step made. */
  private details(): HTMLElement {
    const { trans } = this;
    const box = el('div', 'jp-narrative-ProvenanceDetails');
    const ref = this.selected.startsWith('job:') || this.selected.startsWith('step:')
      ? this.graph?.edges.find((e) => e.from === this.selected)?.to ?? this.selected
      : this.selected;
    const object = this.objects.get(ref);
    if (!object) {
      const readable = this.graph?.nodes.find((n) => n.id === ref)?.accessible;
      box.appendChild(el('p', 'jp-narrative-Message', readable ? trans.__('The details of %1 could not be loaded.', ref) : trans.__('%1 is not readable by you.', ref)));
      return box;
    }
    const p = object.provenance;
    const rows: [string, string][] = [
      [trans.__('object'), `${object.name} (${object.type}) ${object.ref}`],
      [trans.__('made by'), madeBy(p, trans)],
      [trans.__('user'), p.user],
      [trans.__('at'), p.at],
      ...stepRows(p, trans),
    ];
    for (const input of p.inputs) rows.push([trans.__('input'), input.given === input.resolved ? input.resolved : `${input.given} → ${input.resolved}`]);
    for (const f of p.sourceFiles ?? []) rows.push([trans.__('uploaded file'), `${f.filename} (${f.size} bytes, sha256 ${f.sha256.slice(0, 12)})`]);
    if (p.copiedFrom) rows.push([trans.__('copied from'), p.copiedFrom]);
    if (p.revertedFrom) rows.push([trans.__('reverted from'), p.revertedFrom]);
    box.appendChild(el('h3', '', trans.__('Details')));
    const details = table([trans.__('what'), trans.__('value')], rows);
    details.dataset.ref = object.ref;
    box.appendChild(details);
    if (p.kind === 'code' && p.code?.source) {
      box.appendChild(el('h3', '', p.code.sourceTruncated ? trans.__('Source (the start of it)') : trans.__('Source')));
      box.appendChild(el('pre', 'jp-narrative-ProvenanceSource', p.code.source));
    }
    if (p.kind === 'app' && p.app && p.app.jobId > 0) box.appendChild(this.comparison(p.app.jobId).node);
    return box;
  }

  private comparison(jobId: number): JobComparison {
    let comparison = this.comparisons.get(jobId);
    if (!comparison) this.comparisons.set(jobId, (comparison = new JobComparison(this.client, jobId, this.trans)));
    return comparison;
  }
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
