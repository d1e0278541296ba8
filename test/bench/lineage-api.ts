import type { Direction } from './lineage-graph.js';

interface LineagePage {
  nodes: { ref: string }[];
  edges: { from: string; to: string }[];
  next?: string | null;
}

/** The deepest walk a server without paging allows in one call. */
const DEPTH_CAP = 100;

/**
 * Lineages through the HTTP API with Node's fetch (connections kept alive):
 * what a client pays for the whole of a lineage. A server that pages its
 * lineages is followed page by page, from one call without a depth; one
 * that caps the depth is walked the only way it can be, a call per
 * `DEPTH_CAP` steps from the versions where the last call stopped.
 */
export class ApiLineage {
  fetchedBy: 'pages' | `calls of depth ${number}` | 'not yet asked' = 'not yet asked';
  calls = 0;
  /** The last page answered, as parsed. */
  last: LineagePage | null = null;

  constructor(private readonly url: string, private readonly token: string) {}

  /** How many versions the whole lineage holds, the root included. */
  async whole(ref: string, direction: Direction): Promise<number> {
    if (this.fetchedBy === 'not yet asked') {
      const probe = await this.page(ref, { direction, depth: '1' });
      this.fetchedBy = 'next' in probe ? 'pages' : `calls of depth ${DEPTH_CAP}`;
    }
    return this.fetchedBy === 'pages' ? this.paged(ref, { direction }) : this.byDepthCalls(ref, direction);
  }

  /** How many versions lie within `depth` steps, the root included (one call, or its pages). */
  within(ref: string, direction: Direction, depth: number): Promise<number> {
    return this.paged(ref, { direction, depth: String(depth) });
  }

  private async paged(ref: string, query: Record<string, string>): Promise<number> {
    const nodes = new Set<string>();
    let cursor: string | null | undefined;
    do {
      const page = await this.page(ref, { ...query, ...(cursor ? { cursor } : {}) });
      for (const n of page.nodes) nodes.add(n.ref);
      cursor = page.next;
    } while (cursor);
    return nodes.size;
  }

  private async byDepthCalls(ref: string, direction: Direction): Promise<number> {
    const nodes = new Set<string>([ref]);
    let frontier = [ref];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const start of frontier) {
        const page = await this.page(start, { direction, depth: String(DEPTH_CAP) });
        for (const n of page.nodes) nodes.add(n.ref);
        next.push(...atDistance(start, page.edges, direction, DEPTH_CAP));
      }
      frontier = [...new Set(next)];
    }
    return nodes.size;
  }

  /** The cheapest read of a version the API has (GET of the version itself): what any call costs before its own work. */
  async version(ref: string): Promise<void> {
    const response = await fetch(`${this.url}/api/v1/objects/${ref}`, { headers: { Authorization: `Bearer ${this.token}` } });
    if (response.status !== 200) throw new Error(`GET ${ref} answered ${response.status}: ${await response.text()}`);
    await response.json();
  }

  private async page(ref: string, query: Record<string, string>): Promise<LineagePage> {
    this.calls++;
    const [wsid, objid, ver] = ref.split('/');
    const response = await fetch(`${this.url}/api/v1/objects/${wsid}/${objid}/lineage?${new URLSearchParams({ ver: ver!, ...query })}`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    if (response.status !== 200) throw new Error(`GET lineage of ${ref} answered ${response.status}: ${await response.text()}`);
    return (this.last = (await response.json()) as LineagePage);
  }
}

/** The versions exactly `distance` steps from `start` along these edges (breadth first: the shortest way). */
function atDistance(start: string, edges: { from: string; to: string }[], direction: Direction, distance: number): string[] {
  const steps = new Map<string, string[]>();
  for (const e of edges) {
    const [a, b] = direction === 'ancestors' ? [e.to, e.from] : [e.from, e.to];
    steps.set(a, [...(steps.get(a) ?? []), b]);
  }
  const seen = new Set([start]);
  let layer = [start];
  for (let d = 0; d < distance && layer.length > 0; d++) {
    layer = layer.flatMap((n) => steps.get(n) ?? []).filter((n) => !seen.has(n) && (seen.add(n), true));
  }
  return layer;
}
