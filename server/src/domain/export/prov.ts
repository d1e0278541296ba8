import type { ProvDocument } from '../../schemas/export.js';
import type { AppNode, CodeStepNode, RunGraph, RunNode } from './run-graph.js';

/**
 * A run graph as W3C PROV (PROV-JSON): object versions are entities, jobs
 * activities, users and apps agents. A job used its inputs and generated
 * its outputs, each output derived from each input through it; the job is
 * associated with the user who ran it and with the app, each with a plan
 * (the app version's spec; for a narrative the user's plan is the notebook),
 * and the app acted on the user's behalf. Copies and reverts are
 * derivations too. Every record has a name of its own, so a PROV tool that
 * reads the document and writes it back keeps them.
 */
type Section = Record<string, Record<string, unknown>>;
type Sections = Record<Exclude<keyof ProvDocument, 'prefix'>, Section>;

const qualified = (name: string) => ({ $: name, type: 'prov:QUALIFIED_NAME' });
const DATASET = qualified('schema:Dataset');

export function provDocument(graph: RunGraph): ProvDocument {
  const s: Sections = { entity: {}, activity: {}, agent: {}, used: {}, wasGeneratedBy: {}, wasDerivedFrom: {}, wasAssociatedWith: {}, wasAttributedTo: {}, actedOnBehalfOf: {} };
  for (const node of graph.versions.values()) {
    const id = versionName(node.ref);
    const r = node.record;
    s.entity[id] = r ? { 'prov:label': r.name, 'prov:type': DATASET, 'schema:additionalType': r.type, 'schema:contentSize': r.size, 'schema:dateCreated': r.savedAt } : { 'prov:type': DATASET };
    if (r) s.wasAttributedTo[`${id}/attribution`] = { 'prov:entity': id, 'prov:agent': userName(r.savedBy) };
    if (r) s.agent[userName(r.savedBy)] = person(r.savedBy);
  }
  const notebook = graph.workflow.ref ? versionName(graph.workflow.ref) : null;
  if (notebook) s.entity[notebook] = { 'prov:label': graph.title, 'prov:type': [qualified('prov:Plan'), DATASET], 'schema:encodingFormat': 'application/x-ipynb+json' };
  for (const step of graph.steps) if (step.run) addRun(s, step.run, step.name, notebook);
  for (const step of graph.codeSteps) addCodeStep(s, step);
  for (const link of graph.links) {
    s.wasDerivedFrom[`${versionName(link.to)}/${link.relation}`] = {
      'prov:generatedEntity': versionName(link.to),
      'prov:usedEntity': versionName(link.from),
      ...(link.relation === 'revert' ? { 'prov:type': qualified('prov:Revision') } : { 'prov:label': 'copy' }),
    };
  }
  const prefix = { narrative: `${graph.base}/api/v1/`, schema: 'http://schema.org/', wfrun: 'https://w3id.org/ro/terms/workflow-run#' };
  return { prefix, ...Object.fromEntries(Object.entries(s).filter(([, records]) => Object.keys(records).length > 0)) };
}

function addRun(s: Sections, run: RunNode, label: string, notebook: string | null): void {
  const job = `narrative:jobs/${run.jobId}`;
  const user = userName(run.user);
  const app = appName(run.app);
  const plan = `${app}/spec`;
  s.activity[job] = {
    ...(run.startedAt ? { 'prov:startTime': run.startedAt } : {}),
    ...(run.endedAt ? { 'prov:endTime': run.endedAt } : {}),
    'prov:label': `${label} (job ${run.jobId})`,
    'schema:actionStatus': run.status,
    'schema:description': `params ${JSON.stringify(run.params)}`,
    ...(run.error ? { 'schema:error': run.error } : {}),
  };
  s.agent[user] = person(run.user);
  s.agent[app] = { 'prov:type': qualified('prov:SoftwareAgent'), 'prov:label': `${run.app.name} ${run.app.version}`, 'schema:version': run.app.version };
  s.entity[plan] = { 'prov:type': qualified('prov:Plan'), 'prov:label': `${run.app.id}@${run.app.version}`, 'schema:identifier': run.imageDigest, 'wfrun:sha256': run.imageDigest.replace(/^sha256:/, '') };
  s.wasAssociatedWith[`${job}/association/user`] = { 'prov:activity': job, 'prov:agent': user, 'prov:plan': notebook ?? plan };
  s.wasAssociatedWith[`${job}/association/app`] = { 'prov:activity': job, 'prov:agent': app, 'prov:plan': plan };
  s.actedOnBehalfOf[`${job}/delegation`] = { 'prov:delegate': app, 'prov:responsible': user, 'prov:activity': job };
  for (const input of run.inputs) {
    s.used[`${job}/used/${input.name}`] = { 'prov:activity': job, 'prov:entity': versionName(input.ref), 'prov:role': input.name, ...(run.startedAt ? { 'prov:time': run.startedAt } : {}) };
  }
  for (const output of run.outputs) {
    const generation = `${job}/generated/${output.name}`;
    s.wasGeneratedBy[generation] = { 'prov:entity': versionName(output.ref), 'prov:activity': job, 'prov:role': output.name, ...(run.endedAt ? { 'prov:time': run.endedAt } : {}) };
    for (const input of run.inputs) {
      s.wasDerivedFrom[`${job}/derived/${output.name}/${input.name}`] = {
        'prov:generatedEntity': versionName(output.ref),
        'prov:usedEntity': versionName(input.ref),
        'prov:activity': job,
        'prov:generation': generation,
        'prov:usage': `${job}/used/${input.name}`,
      };
    }
  }
}

/**
 * A save from a code cell: an activity that used what the kernel read and
 * generated the version, associated with its user under a plan that is the
 * cell's source (by sha256) and, for a kernel in an image, with that image.
 */
function addCodeStep(s: Sections, step: CodeStepNode): void {
  const activity = `${versionName(step.output)}/code`;
  const user = userName(step.user);
  const plan = `${activity}/source`;
  const where = step.narrative ? ` of narrative ${step.narrative.id}${step.narrative.version === null ? '' : ` (version ${step.narrative.version})`}` : '';
  s.activity[activity] = { 'prov:endTime': step.at, 'prov:label': `Code cell ${step.cell ?? '(unnamed)'}${where}` };
  s.agent[user] = person(step.user);
  s.entity[plan] = { 'prov:type': qualified('prov:Plan'), 'prov:label': 'the cell source', ...(step.sourceSha256 ? { 'wfrun:sha256': step.sourceSha256 } : {}) };
  s.wasAssociatedWith[`${activity}/association/user`] = { 'prov:activity': activity, 'prov:agent': user, 'prov:plan': plan };
  if (step.kernelImage) {
    const image = `narrative:kernel-images/${step.kernelImage}`;
    s.agent[image] = { 'prov:type': qualified('prov:SoftwareAgent'), 'prov:label': `kernel image ${step.kernelImage}`, 'schema:identifier': step.kernelImage };
    s.wasAssociatedWith[`${activity}/association/kernel`] = { 'prov:activity': activity, 'prov:agent': image, 'prov:plan': plan };
  }
  const generation = `${activity}/generated`;
  s.wasGeneratedBy[generation] = { 'prov:entity': versionName(step.output), 'prov:activity': activity, 'prov:time': step.at };
  for (const input of step.inputs) {
    const usage = `${activity}/used/${input}`;
    s.used[usage] = { 'prov:activity': activity, 'prov:entity': versionName(input) };
    s.wasDerivedFrom[`${activity}/derived/${input}`] = { 'prov:generatedEntity': versionName(step.output), 'prov:usedEntity': versionName(input), 'prov:activity': activity, 'prov:generation': generation, 'prov:usage': usage };
  }
}

const versionName = (ref: string) => `narrative:objects/${ref}`;
const userName = (name: string) => `narrative:users/${encodeURIComponent(name)}`;
const appName = (app: AppNode) => `narrative:apps/${app.id}/${encodeURIComponent(app.version)}`;
const person = (name: string) => ({ 'prov:type': qualified('prov:Person'), 'prov:label': name });
