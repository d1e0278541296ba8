import { ROCrate } from 'ro-crate';
import type { RunGraph } from '../run-graph.js';
import { actionEntities } from './actions.js';
import { versionEntities, type CrateContent } from './files.js';
import { LICENSE, ref, refs, type Entity } from './ids.js';
import { workflowEntities } from './workflow.js';

/**
 * An RO-Crate 1.1 of a run graph that conforms to the Process, Workflow and
 * Provenance Run Crate profiles (0.5) and to Workflow RO-Crate 1.0, which
 * the Workflow Run Crate extends. Built with the `ro-crate` library; the
 * caller writes the metadata, the preview and the contents into a zip.
 */
export const RO_CRATE_1_1 = 'https://w3id.org/ro/crate/1.1';
export const PROFILES = {
  process: { id: 'https://w3id.org/ro/wfrun/process/0.5', name: 'Process Run Crate', version: '0.5' },
  workflow: { id: 'https://w3id.org/ro/wfrun/workflow/0.5', name: 'Workflow Run Crate', version: '0.5' },
  provenance: { id: 'https://w3id.org/ro/wfrun/provenance/0.5', name: 'Provenance Run Crate', version: '0.5' },
  workflowRoCrate: { id: 'https://w3id.org/workflowhub/workflow-ro-crate/1.0', name: 'Workflow RO-Crate', version: '1.0' },
};

/**
 * The workflow-run terms the crate uses, written out rather than named by
 * their context URL: the server fetches nothing while exporting, and a
 * reader offline still knows what `sha256` and `containerImage` mean.
 */
const WORKFLOW_RUN_TERMS = Object.fromEntries(
  ['ContainerImage', 'DockerImage', 'SIFImage', 'containerImage', 'environment', 'registry', 'tag', 'sha256'].map((term) => [term, `https://w3id.org/ro/terms/workflow-run#${term}`]),
);

export interface BuiltCrate {
  /** The RO-Crate metadata document (ro-crate-metadata.json). */
  metadata: Record<string, unknown>;
  /** The workflow document and the versions' data and files, by path in the crate. */
  contents: CrateContent[];
}

/** `inlineBytes`: the largest file the crate holds rather than names; the offline archive holds them all. */
export function buildCrate(graph: RunGraph, inlineBytes?: number): BuiltCrate {
  const crate = new ROCrate(
    {
      '@context': [`${RO_CRATE_1_1}/context`, WORKFLOW_RUN_TERMS],
      '@graph': [
        { '@id': 'ro-crate-metadata.json', '@type': 'CreativeWork', conformsTo: ref(RO_CRATE_1_1), about: ref('./') },
        { '@id': './', '@type': 'Dataset', name: graph.title, description: graph.description, datePublished: graph.exportedAt, license: ref(LICENSE) },
      ],
    },
    { array: false, link: false },
  );
  // The metadata descriptor names Workflow RO-Crate as well as RO-Crate (its own rule); the run profiles go on the root.
  crate.addProfile(PROFILES.workflowRoCrate.id);
  crate.addValues(crate.rootDataset, 'conformsTo', refs([PROFILES.process.id, PROFILES.workflow.id, PROFILES.provenance.id]));
  const versions = versionEntities(graph, inlineBytes);
  const actions = actionEntities(graph);
  const entities: Entity[] = [
    ...Object.values(PROFILES).map((p) => ({ '@id': p.id, '@type': 'CreativeWork', name: p.name, version: p.version })),
    license(),
    ...workflowEntities(graph),
    ...versions.entities,
    ...actions.entities,
  ];
  for (const entity of entities) crate.addEntity(entity);
  crate.addValues(crate.rootDataset, 'mainEntity', ref(graph.workflow.fileName));
  crate.addValues(crate.rootDataset, 'hasPart', refs([graph.workflow.fileName, ...versions.parts]));
  if (actions.mentions.length > 0) crate.addValues(crate.rootDataset, 'mentions', refs(actions.mentions));
  return {
    metadata: crate.toJSON() as Record<string, unknown>,
    contents: [{ path: graph.workflow.fileName, bytes: graph.workflow.content }, ...versions.contents],
  };
}

/** The platform records no license for data; the crate says so rather than guess one. */
function license(): Entity {
  return {
    '@id': LICENSE,
    '@type': 'CreativeWork',
    name: 'No license stated',
    description: 'The platform records no license for these data and apps. Ask the owner of the narrative or workspace before reusing them.',
  };
}
