import type { RunNode } from './run-graph.js';

/**
 * Items ordered so that each comes after every item whose run made an input
 * of its own run, otherwise keeping the order given. Versions are immutable
 * and made after what they were made from, so runs cannot wait on each
 * other in a circle; should a record say otherwise, the first item left
 * goes next rather than none.
 */
export function inDependencyOrder<T>(items: T[], runOf: (item: T) => RunNode | null): T[] {
  const madeBy = new Map(items.flatMap((item) => (runOf(item)?.outputs ?? []).map((o) => [o.ref, item] as const)));
  const pending = [...items];
  const done = new Set<T>();
  const ordered: T[] = [];
  while (pending.length > 0) {
    const ready = pending.findIndex((item) => (runOf(item)?.inputs ?? []).every((i) => {
      const maker = madeBy.get(i.ref);
      return maker === undefined || maker === item || done.has(maker);
    }));
    const [next] = pending.splice(Math.max(0, ready), 1) as [T];
    done.add(next);
    ordered.push(next);
  }
  return ordered;
}
