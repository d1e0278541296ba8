import type { Static } from '@sinclair/typebox';
import type * as Api from '../schemas/api.js';
import type { AppSpec as AppSpecSchema, AppVersion as AppVersionSchema, CatalogQuery as CatalogQuerySchema, Channel as ChannelSchema } from '../schemas/app-spec.js';
import type { BulkRunRequest as BulkRunRequestSchema, Job as JobSchema, RunRequest as RunRequestSchema } from '../schemas/jobs.js';
import type { JobDiff as JobDiffSchema } from '../schemas/job-diff.js';
import type { JobListQuery as JobListQuerySchema, JobLookup as JobLookupSchema, JobLookupRequest as JobLookupRequestSchema, JobPage as JobPageSchema } from '../schemas/jobs.js';

/**
 * The one typed client for the REST API, shared by the CLI, the tests and
 * the lab extension. It uses only `fetch`, so it runs in Node and browsers.
 * Every failure is thrown as an ApiError carrying the server's problem.
 */
export { ENDED_STATES, JOB_STATES, hasEnded, type EndedState, type JobState } from '../domain/jobs/states.js';
import { hasEnded } from '../domain/jobs/states.js';
/** A queued job's reason and position, and how long a job has waited or run, in plain words (the API's `waiting` is `queueText`). */
export { durationText, elapsedOf, elapsedText, queueText, type JobTimes } from '../domain/jobs/queue-text.js';
export type Workspace = Static<typeof Api.Workspace>;
export type ObjectInfo = Static<typeof Api.ObjectInfo>;
export type ObjectVersion = Static<typeof Api.ObjectVersion>;
export type ObjectPage = Static<typeof Api.ObjectPage>;
/** "My data": an object of one of my narratives (GET /objects), naming its narrative. */
export type MyObject = Static<typeof Api.MyObject>;
export type MyObjectPage = Static<typeof Api.MyObjectPage>;
export type MyObjectsQuery = Static<typeof Api.MyObjectsQuery>;
export type ObjectSummary = Static<typeof Api.ObjectSummary>;
export type ReadsSummary = Static<typeof Api.ReadsSummary>;
export type Narrative = Static<typeof Api.Narrative>;
export type Lineage = Static<typeof Api.Lineage>;
export type SaveObject = Static<typeof Api.SaveObject>;
export type User = Static<typeof Api.User>;
export type CreatedUser = Static<typeof Api.CreatedUser>;
/** An API or session token of mine, never its value (GET /tokens). */
export type TokenInfo = Static<typeof Api.TokenInfo>;
/** A token just made: the only answer that holds its value. */
export type CreatedToken = Static<typeof Api.CreatedToken>;
export type Grants = Static<typeof Api.Grants>;
export type Level = 'none' | 'read' | 'write' | 'admin';
export type AppSpec = Static<typeof AppSpecSchema>;
export type AppVersion = Static<typeof AppVersionSchema>;
export type Job = Static<typeof JobSchema>;
/** GET /jobs: `state` is one state, a comma list, or an array of them. */
export type JobListQuery = Static<typeof JobListQuerySchema>;
export type JobPage = Static<typeof JobPageSchema>;
/** POST /jobs/lookup: many jobs at once, with the ends of their logs and the caller's runs per cell. */
export type JobLookupRequest = Static<typeof JobLookupRequestSchema>;
export type JobLookup = Static<typeof JobLookupSchema>;
export type RunRequest = Static<typeof RunRequestSchema>;
export type BulkRunRequest = Static<typeof BulkRunRequestSchema>;
export type FailureReason = Extract<Job, { state: 'failed' }>['failure'];
/** What an ended job's app used (CPU time, peak memory, wall time), as its wrapper measured it: the `usage` of an ended job. */
export type JobUsage = NonNullable<Extract<Job, { state: 'completed' }>['usage']>;
/** What differs between two runs, property by property (GET /jobs/{a}/diff/{b}). */
export type JobDiff = Static<typeof JobDiffSchema>;
export type { VerificationReport, OutputComparison, FileComparison } from '../schemas/verification.js';
export type { NarrativeRun, UpdatePlan } from '../schemas/narrative-runs.js';
export type { ExportFormat, NarrativeExportFormat, ProvDocument } from '../schemas/export.js';
import type { ExportFormat, NarrativeExportFormat } from '../schemas/export.js';
import type { NarrativeRun, UpdatePlan } from '../schemas/narrative-runs.js';
/** A published narrative version (POST /narratives/{id}/publications): its content id names every byte of its archive. */
export type { Publication } from '../schemas/publication.js';
/** The apps a server builds and registers by itself on its first start, and how far each has got (GET /apps/bundled). */
export type { BundledApp, BundledApps, BundledState } from '../schemas/bundled.js';
import type { BundledApps } from '../schemas/bundled.js';
export { APP_STILL_BEING_BUILT } from '../bundled/still-building.js';
import type { Publication } from '../schemas/publication.js';
/** A verified re-run's report, once it has completed. */
export const verificationOf = (job: Job) => (job.state === 'completed' ? job.verification : null);

/** Fields only some states carry, read from any job (null or empty where its state has none). */
export const failureOf = (job: Job): FailureReason | null => (job.state === 'failed' ? job.failure : null);
export const outputsOf = (job: Job): string[] => (job.state === 'completed' ? job.outputs : []);
export const nodeOf = (job: Job): string | null => ('node' in job ? job.node : null);
export const schedulerIdOf = (job: Job): string | null => ('schedulerId' in job ? job.schedulerId : null);
export interface LogLine {
  n: number;
  t: string;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}
export type Role = 'user' | 'developer' | 'admin';
export type Channel = Static<typeof ChannelSchema>;
export type StoredImage = Static<typeof Api.StoredImageInfo>;
export type CatalogQuery = Static<typeof CatalogQuerySchema>;

function appPath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: ProblemDocument) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  /** The server's origin; '' for the page's own (the lab). */
  url: string;
  token?: string;
  /**
   * Headers added to every request, read when it is sent. The lab signs in by
   * cookie and must echo its `_xsrf` cookie as X-XSRFToken on writes.
   */
  headers?: () => Record<string, string>;
}

/** Anything fetch accepts as a request body. */
export type Body = NonNullable<RequestInit['body']>;

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: Body;
  headers?: Record<string, string>;
  /** Aborts the request, and the connection with it, even before the answer's headers arrive. */
  signal?: AbortSignal;
}

/** `wsid/objid[/ver]` (names allowed) as URL path segments. */
export function refPath(ref: string): string {
  const parts = ref.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new Error(`"${ref}" is not a reference: use wsid/objid[/ver]`);
  return parts.map(encodeURIComponent).join('/');
}

function splitRef(ref: string): { object: string; ver: string | undefined } {
  const [ws, obj, ver] = refPath(ref).split('/');
  return { object: `${ws}/${obj}`, ver };
}

export class NarrativeClient {
  readonly url: string;

  constructor(private readonly options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** The raw response of a successful request (for downloads). */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const query = Object.entries(options.query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined);
    const search = query.length > 0 ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const headers: Record<string, string> = { Accept: 'application/json', ...this.options.headers?.(), ...options.headers };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: options.signal, ...(body === undefined ? {} : { body }) };
    if (body instanceof ReadableStream) init.duplex = 'half';
    const response = await fetch(`${this.url}/api/v1${path}${search}`, init);
    if (!response.ok) {
      const text = await response.text();
      let problem: ProblemDocument;
      try {
        problem = JSON.parse(text) as ProblemDocument;
      } catch {
        problem = { type: 'about:blank', title: response.statusText, status: response.status, detail: text.slice(0, 500) };
      }
      throw new ApiError(response.status, problem);
    }
    return response;
  }

  health = () => this.request<{ status: 'ok'; version: string }>('GET', '/health');
  me = () => this.request<User>('GET', '/me');
  createUser = (name: string, role: Role = 'user', password?: string) =>
    this.request<CreatedUser>('POST', '/users', { json: { name, role, ...(password === undefined ? {} : { password }) } });
  /** My unrevoked tokens, without their values. */
  listTokens = () => this.request<TokenInfo[]>('GET', '/tokens');
  createToken = (label?: string) => this.request<CreatedToken>('POST', '/tokens', { json: label === undefined ? {} : { label } });
  revokeToken = (id: number) => this.request<void>('DELETE', `/tokens/${id}`);

  /** Workspaces I own or was given; with `public: true`, every public workspace (published ones included) instead. */
  listWorkspaces = (options: { public?: boolean } = {}) =>
    this.request<Workspace[]>('GET', '/workspaces', { query: { public: options.public === undefined ? undefined : String(options.public) } });
  createWorkspace = (name: string) => this.request<Workspace>('POST', '/workspaces', { json: { name } });
  workspace = (ws: string | number) => this.request<Workspace>('GET', `/workspaces/${encodeURIComponent(ws)}`);
  permissions = (ws: string | number) => this.request<Grants>('GET', `/workspaces/${encodeURIComponent(ws)}/permissions`);
  setPermission = (ws: string | number, user: string, level: Level) => this.request<Grants>('PUT', `/workspaces/${encodeURIComponent(ws)}/permissions`, { json: { user, level } });
  setPublic = (ws: string | number, isPublic: boolean) => this.request<Workspace>('PUT', `/workspaces/${encodeURIComponent(ws)}/public`, { json: { public: isPublic } });
  publishWorkspace = (ws: string | number) => this.request<Workspace>('POST', `/workspaces/${encodeURIComponent(ws)}/publish`);

  uploadBlob = (body: Body) => this.request<{ sha256: string; size: number }>('POST', '/blobs', { body, headers: { 'Content-Type': 'application/octet-stream' } });
  /** Multipart upload of files as one object version; `body` is a FormData or a prebuilt multipart stream with its content type. */
  upload = (ws: string | number, body: Body, contentType?: string) =>
    this.request<ObjectInfo>('POST', `/workspaces/${encodeURIComponent(ws)}/upload`, { body, ...(contentType ? { headers: { 'Content-Type': contentType } } : {}) });
  saveObject = (ws: string | number, object: SaveObject) => this.request<ObjectInfo>('POST', `/workspaces/${encodeURIComponent(ws)}/objects`, { json: object });
  /** A page of a workspace's objects; pass `next` as `cursor` for the next page (or page by `offset`, which also counts them all: `total`). */
  listObjects = (ws: string | number, query: { type?: string; name?: string; after?: string; before?: string; limit?: number; offset?: number; cursor?: string } = {}) =>
    this.request<ObjectPage>('GET', `/workspaces/${encodeURIComponent(ws)}/objects`, { query });
  getObject = (ref: string) => this.request<ObjectVersion>('GET', `/objects/${refPath(ref)}`);
  history = (ref: string) => this.request<ObjectInfo[]>('GET', `/objects/${splitRef(ref).object}/history`);
  copyObject = (ref: string, to: string | number, name?: string) => {
    const { object, ver } = splitRef(ref);
    return this.request<ObjectInfo>('POST', `/objects/${object}/copy`, { query: { ver }, json: { to: String(to), ...(name ? { name } : {}) } });
  };
  revertObject = (ref: string, version: number) => this.request<ObjectInfo>('POST', `/objects/${splitRef(ref).object}/revert`, { json: { version } });
  /** A page of "My data": the objects of every narrative I own or may edit; pass `next` as `cursor` for the next page. */
  myObjects = (query: MyObjectsQuery = {}) =>
    this.request<MyObjectPage>('GET', '/objects', { query: { ...query, hidden: query.hidden === undefined ? undefined : String(query.hidden) } });
  /** Removes an object from view (true) or brings it back (false); its versions stay readable by reference. */
  setHidden = (ref: string, hidden: boolean) => this.request<ObjectInfo>('PUT', `/objects/${splitRef(ref).object}/hidden`, { json: { hidden } });
  /** One page of a version's lineage (`depth` steps, or all the way without it); pass `next` as `cursor` for the next page. */
  lineage = (ref: string, direction: 'ancestors' | 'descendants' | 'both' = 'both', depth?: number, page: { limit?: number; cursor?: string } = {}) => {
    const { object, ver } = splitRef(ref);
    return this.request<Lineage>('GET', `/objects/${object}/lineage`, { query: { ver, direction, depth, ...page } });
  };
  /** A version's whole lineage (to `depth`, if given): every page, followed and joined. */
  wholeLineage = async (ref: string, direction: 'ancestors' | 'descendants' | 'both' = 'both', depth?: number): Promise<Lineage> => {
    let page = await this.lineage(ref, direction, depth);
    let { nodes, edges } = page;
    while (page.next) {
      page = await this.lineage(ref, direction, depth, { cursor: page.next });
      nodes = nodes.concat(page.nodes);
      edges = edges.concat(page.edges);
    }
    return { root: page.root, nodes, edges, next: null };
  };
  downloadFile = (ref: string, file: string) => {
    const { object, ver } = splitRef(ref);
    return this.send('GET', `/objects/${object}/files/${encodeURIComponent(file)}`, { query: { ver } });
  };
  /** A version's lineage as an RO-Crate zip or PROV-JSON: the response, to stream its body. */
  exportObject = (ref: string, format: ExportFormat = 'ro-crate') => {
    const { object, ver } = splitRef(ref);
    return this.send('GET', `/objects/${object}/export`, { query: { format, ver } });
  };

  listNarratives = () => this.request<Narrative[]>('GET', '/narratives');
  createNarrative = (title: string) => this.request<Narrative>('POST', '/narratives', { json: { title } });
  narrative = (id: number) => this.request<Narrative>('GET', `/narratives/${id}`);
  notebook = (id: number, ver?: number) => this.request<Record<string, unknown>>('GET', `/narratives/${id}/notebook`, { query: { ver } });
  copyNarrative = (id: number, title?: string) => this.request<Narrative>('POST', `/narratives/${id}/copy`, { json: title ? { title } : {} });
  shareNarrative = (id: number, share: { user: string; level: Level } | { public: boolean }) => this.request<Narrative>('PUT', `/narratives/${id}/share`, { json: share });
  publishNarrative = (id: number) => this.request<Narrative>('POST', `/narratives/${id}/publish`);
  deleteNarrative = (id: number) => this.request<void>('DELETE', `/narratives/${id}`);
  /** A new title, as the lab's rename gives it (the notebook gets a new version stamped with it). */
  renameNarrative = (id: number, title: string) => this.request<Narrative>('PATCH', `/narratives/${id}`, { json: { title } });
  /** Runs every app cell of the saved notebook as one graph (a Slurm DAG); `verify` compares each with its last run. */
  runAll = (id: number, { verify = false } = {}) => this.request<NarrativeRun>('POST', `/narratives/${id}/run-all`, { json: { verify } });
  updatePlan = (id: number) => this.request<UpdatePlan>('GET', `/narratives/${id}/update-plan`);
  /** Re-runs the out-of-date cells (see `updatePlan`); null when everything is up to date. */
  update = async (id: number): Promise<NarrativeRun | null> => (await this.request<NarrativeRun | undefined>('POST', `/narratives/${id}/update`)) ?? null;
  narrativeRun = (id: number, run: number) => this.request<NarrativeRun>('GET', `/narratives/${id}/runs/${run}`);
  /** The narrative's runs as an RO-Crate zip or PROV-JSON: the response, to stream its body. */
  exportNarrative = (id: number, format: NarrativeExportFormat = 'ro-crate', signal?: AbortSignal) => this.send('GET', `/narratives/${id}/export`, { query: { format }, signal });
  /** Imports an offline archive (a tar from exportNarrative with format archive) as a new narrative the caller owns. */
  importArchive = (body: Body) => this.request<Narrative>('POST', '/imports', { body, headers: { 'Content-Type': 'application/x-tar' } });
  /**
   * Publishes the narrative's current notebook version: its archive frozen on the server under a content id.
   * A version published already answers its publication (the same content id).
   */
  createPublication = (id: number) => this.request<Publication>('POST', `/narratives/${id}/publications`);
  /** The narrative's publications, newest first. */
  publications = (id: number) => this.request<Publication[]>('GET', `/narratives/${id}/publications`);
  /** A publication by its content id (`sha256:<64 hex>`). */
  publication = (contentId: string) => this.request<Publication>('GET', `/publications/${encodeURIComponent(contentId)}`);
  /** A publication's archive, the same bytes every time: the response, to stream its body. */
  publicationArchive = (contentId: string, signal?: AbortSignal) => this.send('GET', `/publications/${encodeURIComponent(contentId)}/archive`, { signal });

  listApps = (query: CatalogQuery = {}) =>
    this.request<AppVersion[]>('GET', '/apps', { query: { ...query, deprecated: query.deprecated === undefined ? undefined : String(query.deprecated), latest: query.latest === undefined ? undefined : String(query.latest) } });
  registerApp = (spec: AppSpec) => this.request<AppVersion>('POST', '/apps', { json: spec });
  app = (id: string, version?: string) => this.request<AppVersion>('GET', `/apps/${appPath(id)}`, { query: { version } });
  promoteApp = (id: string, version: string, channel: Channel) => this.request<AppVersion>('POST', `/apps/${appPath(id)}/${encodeURIComponent(version)}/promote`, { json: { channel } });
  deprecateApp = (id: string, version: string, reason: string) => this.request<AppVersion>('POST', `/apps/${appPath(id)}/${encodeURIComponent(version)}/deprecate`, { json: { reason } });
  bundledApps = () => this.request<BundledApps>('GET', '/apps/bundled');

  images = () => this.request<StoredImage[]>('GET', '/images');
  image = (digest: string) => this.request<StoredImage>('GET', `/images/${encodeURIComponent(digest)}`);
  /** Pushes an OCI image archive (a stream, so any size uses constant memory). */
  pushImage = (digest: string, body: Body) => this.request<StoredImage>('PUT', `/images/${encodeURIComponent(digest)}`, { body, headers: { 'Content-Type': 'application/x-tar' } });

  run = (request: RunRequest) => this.request<Job>('POST', '/jobs', { json: request });
  runBulk = (request: BulkRunRequest) => this.request<{ jobs: Job[] }>('POST', '/jobs/bulk', { json: request });
  job = (id: number) => this.request<Job>('GET', `/jobs/${id}`);
  /** Many jobs in one request: those I cannot read (or that do not exist) come back in `missing`. */
  lookupJobs = (body: JobLookupRequest) => this.request<JobLookup>('POST', '/jobs/lookup', { json: body });
  jobEvents = (id: number, after = 0) => this.request<{ seq: number; at: string; event: { type: string; state: string } & Record<string, unknown> }[]>('GET', `/jobs/${id}/events`, { query: { after } });
  jobLog = (id: number, after = 0) => this.request<{ lines: LogLine[]; next: number }>('GET', `/jobs/${id}/log`, { query: { after } });
  /** What differs between runs `a` and `b`; the caller must be able to read both. */
  diffJobs = (a: number, b: number) => this.request<JobDiff>('GET', `/jobs/${a}/diff/${b}`);
  cancelJob = (id: number) => this.request<Job>('POST', `/jobs/${id}/cancel`);
  /** My jobs (an admin's `user`: another's), newest first; pass `next` back as `cursor` for the page after. */
  listJobs = (query: JobListQuery = {}) => this.request<JobPage>('GET', '/jobs', { query: { ...query, state: Array.isArray(query.state) ? query.state.join(',') : query.state } });
  retryJob = (id: number) => this.request<Job>('POST', `/jobs/${id}/retry`);
  /** Runs an ended job again from its provenance; `verify` (the default) compares the outputs with the original's. */
  rerunJob = (id: number, { verify = true } = {}) => this.request<Job>('POST', `/jobs/${id}/rerun`, { json: { verify } });

  /** Polls until the job has ended (completed, failed or cancelled). */
  async waitForJob(id: number, { timeoutMs = 120_000, everyMs = 250 } = {}): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (hasEnded(job.state)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} is still ${job.state} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
