import type { AppNode, StepNode, VersionNode } from '../run-graph.js';

/**
 * The `@id`s of the crate's entities, in one place so that every entity and
 * every reference to it agree. Local things (steps, actions, people) are
 * fragments of the crate; object versions are directories in it when the
 * exporter could read them, else their address on this server.
 */
export type Entity = { '@id': string; '@type': string | string[] } & Record<string, unknown>;
export type Ref = { '@id': string };

export const ref = (id: string): Ref => ({ '@id': id });
export const refs = (ids: Iterable<string>): Ref[] => [...new Set(ids)].map(ref);

export const PLATFORM = '#platform';
export const WORKFLOW_RUN = '#workflow-run';
export const ORGANIZE = '#organize';
export const LICENSE = '#license';

const part = (text: string) => encodeURIComponent(text);

export const appId = (app: Pick<AppNode, 'id' | 'version'>) => `#app/${app.id}/${part(app.version)}`;
export const inputParamId = (app: AppNode, name: string) => `${appId(app)}/input/${part(name)}`;
export const outputParamId = (app: AppNode, name: string) => `${appId(app)}/output/${part(name)}`;
export const paramId = (app: AppNode, name: string) => `${appId(app)}/param/${part(name)}`;
export const imageId = (digest: string) => `#image/${digest}`;
export const personId = (name: string) => `#person/${part(name)}`;
export const stepId = (step: StepNode) => `#step/${part(step.id)}`;
export const controlId = (step: StepNode) => `#control/${part(step.id)}`;
export const jobId = (job: number) => `#job/${job}`;
export const jobParamId = (job: number, name: string) => `${jobId(job)}/param/${part(name)}`;
export const jobEnvironmentId = (job: number, name: string) => `${jobId(job)}/environment/${part(name)}`;

/** Where an object version's files sit in the crate (`objects/wsid/objid/ver/`). */
export const versionDir = (ref: string) => `objects/${ref}/`;

/** The version's address on this server: what the crate names a version it does not hold. */
export const versionUrl = (base: string, ref: string) => `${base}/api/v1/objects/${ref}`;

export const versionId = (base: string, node: VersionNode) => (node.record ? versionDir(node.ref) : versionUrl(base, node.ref));

/** A file's download address on this server (the API takes the version as a query). */
export function fileUrl(base: string, ref: string, name: string): string {
  const [wsid, objid, ver] = ref.split('/');
  return `${base}/api/v1/objects/${wsid}/${objid}/files/${part(name)}?ver=${ver}`;
}
