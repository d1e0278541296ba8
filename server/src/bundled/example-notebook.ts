import { randomBytes } from 'node:crypto';
import { emptyNotebook, type NarrativeStamp, type Notebook } from '../domain/notebook.js';

/** The example narrative every new user is given while bundled apps are on. */
export const EXAMPLE_TITLE = 'Example: assemble a genome';
/** The example's apps, in the order of its cells (and of the bundled builds: the first cell's app is ready first). */
export const EXAMPLE_APPS = ['genomics/megahit', 'genomics/prodigal', 'genomics/assembly-stats'];
/** The example reads: apps-catalog/test-data/make-reads.mjs with the seed the tests use (~5,300 reads of 150 bp, 1.6 MB). */
export const EXAMPLE_READS = { name: 'example-reads.fastq', seed: 7, type: 'Genomics.Reads-1.0' };

/** An app of the example: its bundled version and its parameters' defaults, written into its cell as the lab would. */
export interface ExampleApp {
  id: string;
  version: string;
  name: string;
  params: Record<string, unknown>;
}

/**
 * The example notebook: a markdown cell saying what to do, then an app cell
 * for each bundled example app, in the metadata the lab writes
 * (labextension/src/app-cell/metadata.ts). The first (MEGAHIT) has the
 * reads as its input; the others take its assembly, which exists only once
 * it has run, so the user drops it onto them.
 */
export function exampleNotebook(stamp: NarrativeStamp, apps: ExampleApp[], readsRef: string, kernelspec?: Parameters<typeof emptyNotebook>[1]): Notebook {
  const notebook = emptyNotebook(stamp, kernelspec);
  const appCells = apps.map((app, i) => ({
    id: cellId(),
    cell_type: 'code',
    source: '',
    outputs: [],
    execution_count: null,
    metadata: { narrative: { app: { id: app.id, version: app.version, params: app.params, inputs: i === 0 ? { reads: readsRef } : {} } } },
  }));
  return { ...notebook, cells: [{ id: cellId(), cell_type: 'markdown', metadata: {}, source: introduction(apps, readsRef) }, ...appCells] };
}

function introduction(apps: ExampleApp[], readsRef: string): string {
  const [first, ...rest] = apps;
  const steps = [
    first && `1. **${first.name}**: the first app cell below already has the reads as its input. Press **Run**. The job's state and log show in the cell; on this small data it takes about a minute.`,
    ...rest.map((app, i) => `${i + 2}. **${app.name}**: when the assembly is done, it is in the **Data** panel (the database icon on the left). Drag it onto this cell's *assembly* input and press **Run**.`),
  ].filter(Boolean);
  return [
    `# ${EXAMPLE_TITLE}`,
    '',
    `This narrative comes with your account, to try the platform on real tools. Its data, \`${EXAMPLE_READS.name}\` (\`${readsRef}\`), are sequencing reads of a small made-up bacterial genome (about 5,300 reads of 150 bases).`,
    '',
    ...steps,
    '',
    'Each output has **Open**, to see it, and **Provenance**: which app version, image, parameters and input made it.',
    '',
    "If a cell says its app is still being built, this server is building its bundled apps (it does so once, on its first start): the **Apps** panel shows how far each has got, and the cell can run as soon as its app is ready.",
    '',
    'This narrative is yours: change it, add app cells from the Apps panel, upload your own data, or delete it.',
  ].join('\n');
}

function cellId(): string {
  return randomBytes(4).toString('hex');
}
