/** A node of the drawn lineage: a data object, or the step (an app run or a code cell) that made one. */
export interface IGraphNode {
  id: string;
  kind: 'object' | 'step';
  /** A step's kind: drawn differently for code than for an app run. */
  stepKind?: 'app' | 'code';
  /** First line: the object's name, the app id@version, or the code cell. */
  title: string;
  /** Second line: the type and ref, the job, or the source's digest. */
  subtitle: string;
  accessible: boolean;
  layer: number;
  row: number;
}

export interface IGraphEdge {
  from: string;
  to: string;
  label?: string;
}

export interface IGraph {
  nodes: IGraphNode[];
  edges: IGraphEdge[];
  layers: number;
  rows: number;
}

/** The step that made an object, as its provenance tells: outputs with the same `key` (one job's) share one step node. */
export interface IStep {
  key?: string;
  kind: 'app' | 'code';
  title: string;
  subtitle: string;
}

/** The lineage as the server returns it, plus what each produced object says of the step that made it. */
export interface ILineageInput {
  nodes: { ref: string; accessible: boolean; name?: string; type?: string }[];
  edges: { from: string; to: string; relation: string }[];
  /** object ref → the step that made it (from its provenance), when readable. */
  steps: Map<string, IStep>;
}

/**
 * Lays a lineage out left to right: every app run or code cell becomes a step node
 * between its inputs and its outputs (outputs of one job share one step), copies and
 * reverts stay direct edges. Each node's column is its longest path from a
 * source, so an arrow always points right.
 */
export function layoutLineage(input: ILineageInput, labels: { untitled: string; step: string }): IGraph {
  const nodes = new Map<string, Omit<IGraphNode, 'layer' | 'row'>>();
  const edges: IGraphEdge[] = [];
  for (const n of input.nodes) {
    nodes.set(n.ref, { id: n.ref, kind: 'object', title: n.name ?? labels.untitled, subtitle: n.type ? `${n.type} · ${n.ref}` : n.ref, accessible: n.accessible });
  }
  const stepOf = (child: string): string => {
    const step = input.steps.get(child);
    const id = step?.key ?? `step:${child}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'step', stepKind: step?.kind ?? 'app', title: step?.title ?? labels.step, subtitle: step?.subtitle ?? '', accessible: true });
    return id;
  };
  const seen = new Set<string>();
  const add = (edge: IGraphEdge) => {
    const key = `${edge.from}>${edge.to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push(edge);
  };
  for (const e of input.edges) {
    if (!nodes.has(e.from) || !nodes.has(e.to)) continue;
    if (e.relation === 'input') {
      const step = stepOf(e.to);
      add({ from: e.from, to: step });
      add({ from: step, to: e.to });
    } else {
      add({ from: e.from, to: e.to, label: e.relation });
    }
  }

  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);
  const layer = new Map<string, number>();
  const depth = (id: string, path: Set<string>): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    // A cycle cannot come from the server; cut it rather than recurse forever.
    if (path.has(id)) return 0;
    path.add(id);
    const parents = incoming.get(id) ?? [];
    const value = parents.length === 0 ? 0 : Math.max(...parents.map((p) => depth(p, path) + 1));
    path.delete(id);
    layer.set(id, value);
    return value;
  };
  for (const id of nodes.keys()) depth(id, new Set());

  const columns = new Map<number, string[]>();
  for (const id of nodes.keys()) {
    const l = layer.get(id)!;
    columns.set(l, [...(columns.get(l) ?? []), id]);
  }
  // Order each column by the mean row of its parents, so edges cross less.
  const row = new Map<string, number>();
  const layers = Math.max(0, ...columns.keys()) + 1;
  for (let l = 0; l < layers; l++) {
    const ids = columns.get(l) ?? [];
    const weight = (id: string) => {
      const parents = (incoming.get(id) ?? []).map((p) => row.get(p) ?? 0);
      return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : 0;
    };
    ids.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    ids.forEach((id, i) => row.set(id, i));
  }
  const placed = [...nodes.values()].map((n) => ({ ...n, layer: layer.get(n.id)!, row: row.get(n.id)! }));
  return { nodes: placed, edges, layers, rows: Math.max(1, ...[...columns.values()].map((c) => c.length)) };
}
