import type { AppNode, RunGraph } from '../run-graph.js';
import { sha256 } from './files.js';
import { appId, imageId, inputParamId, outputParamId, paramId, ref, refs, stepId, versionUrl, type Entity } from './ids.js';

/**
 * The prospective side: the main workflow (the notebook, or a lineage's
 * steps), its language, one HowToStep per app cell or job, and each app
 * version it runs as a SoftwareApplication with its formal parameters and
 * its container image by digest.
 */
const WFRUN = 'https://w3id.org/ro/terms/workflow-run#';

const LANGUAGES: Record<RunGraph['workflow']['language'], Entity> = {
  notebook: {
    '@id': '#narrative-notebook',
    '@type': 'ComputerLanguage',
    name: 'Narrative notebook',
    alternateName: 'ipynb',
    description: 'A Jupyter notebook (nbformat 4) whose app cells (cell metadata narrative.app) each name an app version, its params and the object versions it reads.',
    url: ref('https://nbformat.readthedocs.io/'),
    version: '4',
  },
  steps: {
    '@id': '#narrative-steps',
    '@type': 'ComputerLanguage',
    name: 'Narrative steps',
    description: 'JSON: each step\'s app version, container image digest and params, and the object versions it read and made.',
  },
};

export function workflowEntities(graph: RunGraph): Entity[] {
  const apps = appsOf(graph);
  const language = LANGUAGES[graph.workflow.language];
  const main: Entity = {
    '@id': graph.workflow.fileName,
    '@type': ['File', 'SoftwareSourceCode', 'ComputationalWorkflow', 'HowTo'],
    name: graph.title,
    description: graph.description,
    programmingLanguage: ref(language['@id']),
    encodingFormat: graph.workflow.language === 'notebook' ? 'application/x-ipynb+json' : 'application/json',
    sha256: sha256(graph.workflow.content),
    contentSize: String(graph.workflow.content.length),
    hasPart: refs(apps.map(appId)),
    step: refs(graph.steps.map(stepId)),
    ...(graph.workflow.ref ? { identifier: versionUrl(graph.base, graph.workflow.ref) } : {}),
  };
  const steps: Entity[] = graph.steps.map((s) => ({ '@id': stepId(s), '@type': 'HowToStep', name: s.name, position: s.position, workExample: ref(appId(s.app)) }));
  return [main, language, ...steps, ...apps.flatMap((a) => appEntities(graph.base, a))];
}

/** Every app version a step names or a run ran, once each. */
export function appsOf(graph: RunGraph): AppNode[] {
  const apps = new Map<string, AppNode>();
  for (const s of graph.steps) for (const a of [s.app, s.run?.app]) if (a) apps.set(appId(a), a);
  return [...apps.values()];
}

function appEntities(base: string, app: AppNode): Entity[] {
  const inputs = app.inputs.map((i) => formalParameter(inputParamId(app, i.name), i.name, 'Dataset', i.description));
  const params = app.params.map((p) => formalParameter(paramId(app, p.name), p.name, dataType(p.type), p.description));
  const outputs = app.outputs.map((o) => formalParameter(outputParamId(app, o.name), o.name, 'Dataset', o.description));
  const image = app.imageDigest ? [imageEntity(base, app)] : [];
  return [
    {
      '@id': appId(app),
      '@type': 'SoftwareApplication',
      name: app.name,
      description: app.description,
      version: app.version,
      identifier: `${app.id}@${app.version}`,
      url: `${base}/api/v1/apps/${app.id}?version=${encodeURIComponent(app.version)}`,
      input: refs([...inputs, ...params].map((p) => p['@id'])),
      output: refs(outputs.map((p) => p['@id'])),
      // The profile hangs the image on each run; an app version pins exactly one, so it belongs to the app too.
      ...(app.imageDigest ? { containerImage: ref(imageId(app.imageDigest)) } : {}),
    },
    ...inputs,
    ...params,
    ...outputs,
    ...image,
  ];
}

function formalParameter(id: string, name: string, additionalType: string, description: string): Entity {
  return { '@id': id, '@type': 'FormalParameter', name, additionalType, ...(description ? { description } : {}) };
}

/** A JSON Schema type as the schema.org DataType a FormalParameter names. */
function dataType(type: string | null): string {
  const types: Record<string, string> = { integer: 'Integer', number: 'Float', boolean: 'Boolean', string: 'Text', object: 'PropertyValue', array: 'PropertyValue' };
  return types[type ?? ''] ?? 'Text';
}

export function imageEntity(base: string, app: AppNode, digest = app.imageDigest): Entity {
  const kind = app.imageFormat === 'sif' ? 'SIFImage' : ['stored', 'oci-archive', 'docker-image'].includes(app.imageFormat) ? 'DockerImage' : null;
  return {
    '@id': imageId(digest),
    '@type': 'ContainerImage',
    name: `${app.id}@${app.version}`,
    identifier: digest,
    sha256: digest.replace(/^sha256:/, ''),
    ...(kind ? { additionalType: ref(`${WFRUN}${kind}`) } : {}),
    // Stored images are served by this server's image store, under their digest.
    ...(app.imageFormat === 'stored' ? { registry: new URL(base).host, url: `${base}/api/v1/images/${digest}` } : {}),
  };
}
