import { ServerProcesses } from '../support/server-process.js';
import { figure, interleave, median, since, type Benchmark, type Figure } from './benchmark.js';
import { ApiLineage } from './lineage-api.js';
import { buildChain, RawLineage, type Direction } from './lineage-graph.js';
import { provenanceViewFigure } from './lineage-view.js';

const ROUNDS = 5;
const VERSIONS = Number(process.env.NARRATIVE_BENCH_LINEAGE_VERSIONS ?? 10_000);
/** The case: a version and its ancestors 100 steps up. */
const SHALLOW_DEPTH = 100;
/** The target for a whole 10,000-version lineage through the API. */
const WHOLE_TARGET_MS = 100;
const RAW = 'the raw recursive query (keyed on the version) with better-sqlite3 on the same file';

/**
 * Ancestors and descendants of one version in a provenance chain of 10,000
 * versions, through the HTTP API of a real server process (SQLite), each
 * read against one raw recursive query on the same database file returning
 * the same versions, names, types and links, interleaved; and the lab's
 * provenance view drawing 500 versions in Chromium.
 */
const lineageBenchmark: Benchmark = {
  name: 'lineage',
  title: 'Lineage: ancestors and descendants in a 10,000-version provenance chain, the API against the raw recursive query',
  async run(): Promise<Figure[]> {
    const servers = new ServerProcesses();
    try {
      const home = await servers.newHome('narrative-bench-lineage-');
      const chain = await buildChain(home, VERSIONS);
      const served = await servers.serve(home);
      const raw = new RawLineage(home);
      try {
        const api = new ApiLineage(served.url, served.token);
        const whole = async (ref: string, direction: Direction) => {
          const expected = raw.lineage(ref, direction);
          const got = await api.whole(ref, direction);
          if (got !== expected) throw new Error(`the API gave ${got} ${direction} of ${ref}, the raw query ${expected}`);
          const calls = api.calls;
          const { measured, baseline } = await interleave(ROUNDS, () => timed(() => api.whole(ref, direction)), () => timed(async () => raw.lineage(ref, direction)));
          const ms = median(measured);
          const json = median(Array.from({ length: ROUNDS }, () => jsonRoundTrip(api.last)));
          return figure({
            name: `${direction} of the chain's ${direction === 'ancestors' ? 'last' : 'first'} version, whole (${expected.toLocaleString('en')} versions)`,
            unit: 'ms', samples: measured, baseline: { name: RAW, samples: baseline }, target: { ratio: 2, at: 'most' },
            notes: `GET /objects/{ws}/{obj}/lineage by ${api.fetchedBy}, ${(api.calls - calls) / ROUNDS} calls each; ${ms.toFixed(1)} ms against the ${WHOLE_TARGET_MS} ms target (${ms < WHOLE_TARGET_MS ? 'met' : 'missed'}); the answer's JSON alone (stringify and parse, in process) takes ${json.toFixed(1)} ms, so the raw query and the JSON together, the floor before HTTP, take ${(median(baseline) + json).toFixed(1)} ms`,
          });
        };
        const ancestors = await whole(chain.last, 'ancestors');
        const descendants = await whole(chain.first, 'descendants');

        const expected = raw.lineage(chain.last, 'ancestors', SHALLOW_DEPTH);
        const got = await api.within(chain.last, 'ancestors', SHALLOW_DEPTH);
        if (got !== expected) throw new Error(`the API gave ${got} versions within ${SHALLOW_DEPTH} steps, the raw query ${expected}`);
        const shallow = await interleave(
          ROUNDS * 4,
          () => timed(() => api.within(chain.last, 'ancestors', SHALLOW_DEPTH)),
          () => timed(async () => raw.lineage(chain.last, 'ancestors', SHALLOW_DEPTH)),
        );
        const overCall = await interleave(ROUNDS * 4, () => timed(() => api.within(chain.last, 'ancestors', SHALLOW_DEPTH)), () => timed(() => api.version(chain.last)));
        const view = await provenanceViewFigure(served);
        return [
          ancestors,
          descendants,
          figure({
            name: `ancestors within ${SHALLOW_DEPTH} steps (${expected} versions, as in the issue)`, unit: 'ms', samples: shallow.measured,
            baseline: { name: `${RAW}, to the same depth`, samples: shallow.baseline }, target: { ratio: 2, at: 'most' },
            notes: `GET /objects/{ws}/{obj}/lineage?direction=ancestors&depth=${SHALLOW_DEPTH}, in a chain of ${chain.versions.toLocaleString('en')} versions; one HTTP call costs more than twice the query (next figure)`,
          }),
          figure({
            name: `ancestors within ${SHALLOW_DEPTH} steps against the cheapest API call`, unit: 'ms', samples: overCall.measured,
            baseline: { name: 'GET /objects/{ws}/{obj}/{ver} of the same version', samples: overCall.baseline }, target: { ratio: 2, at: 'most' },
            notes: 'the floor of any authenticated call (HTTP, token, route, JSON) on this machine: what a lineage adds above it',
          }),
          view,
        ];
      } finally {
        raw.close();
      }
    } finally {
      await servers.cleanup();
    }
  },
};

/** Milliseconds to write a page as JSON and read it back: what an HTTP answer costs on top of its query, whatever the server does. */
function jsonRoundTrip(page: unknown): number {
  const started = performance.now();
  JSON.parse(JSON.stringify(page));
  return since(started);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return since(started);
}

export default lineageBenchmark;
