import { SERVER_VERSION } from '../../../version.js';
import type { RunGraph, RunNode, RunStatus, StepNode } from '../run-graph.js';
import { appId, controlId, imageId, jobEnvironmentId, jobId, jobParamId, ORGANIZE, paramId, personId, PLATFORM, ref, refs, stepId, versionId, WORKFLOW_RUN, type Entity } from './ids.js';
import { imageEntity } from './workflow.js';

/**
 * The retrospective side: each job a CreateAction (the app as instrument,
 * the versions it read and its params as object, what it made as result),
 * a ControlAction per step tying its HowToStep to that run, one CreateAction
 * for the run of the whole workflow, and an OrganizeAction for this platform
 * orchestrating them. A crate whose steps never ran has no actions.
 */
const STATUS: Record<RunStatus, string> = {
  completed: 'http://schema.org/CompletedActionStatus',
  failed: 'http://schema.org/FailedActionStatus',
  cancelled: 'http://schema.org/FailedActionStatus',
  active: 'http://schema.org/ActiveActionStatus',
  potential: 'http://schema.org/PotentialActionStatus',
};

export interface ActionEntities {
  entities: Entity[];
  /** The actions the root lists under mentions. */
  mentions: string[];
}

export function actionEntities(graph: RunGraph): ActionEntities {
  const ran = graph.steps.filter((s): s is StepNode & { run: RunNode } => s.run !== null);
  const entities: Entity[] = [platform(graph.base), ...people(graph)];
  if (ran.length === 0) return { entities, mentions: [] };
  for (const step of ran) entities.push(...runEntities(graph, step));
  const runs = ran.map((s) => s.run);
  const whole = overall(ran);
  const span = timeSpan(runs);
  const agents = { agent: refs(runs.map((r) => personId(r.user))) };
  const made = new Set(runs.flatMap((r) => r.outputs.map((o) => o.ref)));
  entities.push(
    {
      '@id': WORKFLOW_RUN,
      '@type': 'CreateAction',
      name: `Run of ${graph.title}`,
      instrument: ref(graph.workflow.fileName),
      ...agents,
      ...list('object', runs.flatMap((r) => r.inputs.filter((i) => !made.has(i.ref)).map((i) => versionId(graph.base, graph.versions.get(i.ref)!)))),
      ...list('result', runs.flatMap((r) => r.outputs.map((o) => versionId(graph.base, graph.versions.get(o.ref)!)))),
      ...span,
      ...whole,
    },
    {
      '@id': ORGANIZE,
      '@type': 'OrganizeAction',
      name: `narrative ${SERVER_VERSION} orchestrating ${graph.title}`,
      instrument: ref(PLATFORM),
      ...agents,
      object: refs(ran.map(controlId)),
      result: ref(WORKFLOW_RUN),
      ...span,
      ...whole,
    },
  );
  return { entities, mentions: [ORGANIZE, WORKFLOW_RUN, ...runs.map((r) => jobId(r.jobId))] };
}

function runEntities(graph: RunGraph, step: StepNode & { run: RunNode }): Entity[] {
  const { run } = step;
  const version = (r: string) => versionId(graph.base, graph.versions.get(r)!);
  const declared = new Set(run.app.params.map((p) => p.name));
  const params: Entity[] = Object.entries(run.params).map(([name, value]) => ({
    '@id': jobParamId(run.jobId, name),
    '@type': 'PropertyValue',
    name,
    value: typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value),
    ...(declared.has(name) ? { exampleOfWork: ref(paramId(run.app, name)) } : {}),
  }));
  const environment: Entity[] = Object.entries(run.environment).map(([name, value]) => ({ '@id': jobEnvironmentId(run.jobId, name), '@type': 'PropertyValue', name, value }));
  const status = { actionStatus: ref(STATUS[run.status]), ...(run.error ? { error: run.error } : {}) };
  // A run of an image other than the one its app version pins cannot come from a re-run (it refuses), but say what ran if it did.
  const otherImage = run.imageDigest && run.imageDigest !== run.app.imageDigest ? [imageEntity(graph.base, run.app, run.imageDigest)] : [];
  return [
    {
      '@id': jobId(run.jobId),
      '@type': 'CreateAction',
      name: `Run of ${run.app.id}@${run.app.version} (job ${run.jobId})`,
      description: `${step.name}, with params ${JSON.stringify(run.params)}`,
      identifier: `${graph.base}/api/v1/jobs/${run.jobId}`,
      instrument: ref(appId(run.app)),
      agent: ref(personId(run.user)),
      ...list('object', [...run.inputs.map((i) => version(i.ref)), ...params.map((p) => p['@id'])]),
      ...list('result', run.outputs.map((o) => version(o.ref))),
      ...(run.startedAt ? { startTime: run.startedAt } : {}),
      ...(run.endedAt ? { endTime: run.endedAt } : {}),
      ...status,
      ...(run.imageDigest ? { containerImage: ref(imageId(run.imageDigest)) } : {}),
      ...list('environment', environment.map((e) => e['@id'])),
    },
    { '@id': controlId(step), '@type': 'ControlAction', name: `Orchestrate ${step.name}`, instrument: ref(stepId(step)), object: ref(jobId(run.jobId)), ...status },
    ...params,
    ...environment,
    ...otherImage,
  ];
}

/** The whole run: completed when every step did, active while one still runs, else failed naming the steps that did not complete. */
function overall(steps: (StepNode & { run: RunNode })[]): Record<string, unknown> {
  if (steps.some((s) => s.run.status === 'active' || s.run.status === 'potential')) return { actionStatus: ref(STATUS.active) };
  const failed = steps.filter((s) => s.run.status !== 'completed');
  if (failed.length === 0) return { actionStatus: ref(STATUS.completed) };
  return { actionStatus: ref(STATUS.failed), error: failed.map((s) => `${s.name}: ${s.run.error ?? s.run.status}`).join('; ') };
}

function platform(base: string): Entity {
  return {
    '@id': PLATFORM,
    '@type': 'SoftwareApplication',
    name: 'narrative',
    description: 'The reproducible-science platform that ran these apps: it submits each app cell as a job and records the provenance of every output.',
    version: SERVER_VERSION,
    url: base,
  };
}

/** Everyone who ran a step or saved a version. */
function people(graph: RunGraph): Entity[] {
  const names = new Set<string>();
  for (const s of graph.steps) if (s.run) names.add(s.run.user);
  for (const v of graph.versions.values()) if (v.record) names.add(v.record.savedBy);
  return [...names].map((name) => ({ '@id': personId(name), '@type': 'Person', name }));
}

/** A property with these references, left out when there are none (an empty list says nothing). */
function list(key: string, ids: string[]): Record<string, unknown> {
  return ids.length > 0 ? { [key]: refs(ids) } : {};
}

/** The earliest start and the latest end among the runs, each only when some run has one. */
function timeSpan(runs: { startedAt: string | null; endedAt: string | null }[]): Record<string, string> {
  const known = (times: (string | null)[]) => times.filter((t): t is string => t !== null).sort();
  const starts = known(runs.map((r) => r.startedAt));
  const ends = known(runs.map((r) => r.endedAt));
  return { ...(starts.length > 0 ? { startTime: starts[0]! } : {}), ...(ends.length > 0 ? { endTime: ends[ends.length - 1]! } : {}) };
}
