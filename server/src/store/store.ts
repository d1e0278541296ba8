import type { FailureReason, JobResult, Resources } from '@narrative/launcher-native';
import type { JobState } from '../domain/jobs/states.js';
import type { FailedJob, Job, JobIn, JobInput, JobStateFields, NewJob } from '../domain/jobs/job.js';
import type { AppSpec } from '../schemas/app-spec.js';
import type { Level, Role } from '../schemas/common.js';
import type { Provenance } from '../schemas/provenance.js';
import type { ObjectSummary } from '../schemas/api.js';

/**
 * The storage seam. Domain services speak only this interface; the SQLite
 * implementation lives in sqlite/. What every implementation must do is
 * pinned by the contract suite in contract/ (a new store adds its factory to
 * contract/factories.ts). Every multi-row write goes through `transaction`.
 */
export interface Store {
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  createUser(user: { name: string; role: Role; passwordHash: string | null; createdAt: string }): Promise<UserRecord>;
  findUserByName(name: string): Promise<UserRecord | undefined>;
  findUserById(id: number): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;

  createToken(token: { userId: number; tokenHash: string; label: string; kind: TokenKind; createdAt: string; expiresAt: string | null; scope?: TokenScope | null }): Promise<number>;
  /** The user owning an unrevoked, unexpired token with this hash, and the token's scope (null: all the user may do). */
  findTokenUser(tokenHash: string, now: string): Promise<{ user: UserRecord; tokenId: number; lastUsedAt: string | null; scope: TokenScope | null } | undefined>;
  touchToken(tokenId: number, at: string): Promise<void>;
  listTokens(userId: number): Promise<TokenRecord[]>;
  revokeToken(userId: number, tokenId: number, at: string): Promise<boolean>;
  /** Revokes every kernel's (scoped) token still valid: at a start, the kernels they were issued to are gone. */
  revokeKernelTokens(at: string): Promise<number>;
  /** Moves an unrevoked token's expiry (a kernel's token, renewed while its kernel is used). */
  extendToken(tokenId: number, expiresAt: string): Promise<void>;
  /** Records that a scoped token read this version (once per version; the first time is kept). */
  recordTokenRead(tokenId: number, key: VersionKey, at: string): Promise<void>;
  /** The versions a token read, in the order first read. */
  tokenReads(tokenId: number): Promise<VersionKey[]>;
  /** Forgets what a token read (its kernel restarted: what it read before is gone from memory). */
  forgetTokenReads(tokenId: number): Promise<void>;

  createWorkspace(ws: { name: string; ownerId: number; createdAt: string }): Promise<WorkspaceRecord>;
  getWorkspace(id: number): Promise<WorkspaceRecord | undefined>;
  getWorkspaceByName(name: string): Promise<WorkspaceRecord | undefined>;
  /** Workspaces the user owns or holds a grant in. */
  listWorkspacesOf(userId: number): Promise<WorkspaceRecord[]>;
  /** Public workspaces (published ones included), whoever owns them. */
  listPublicWorkspaces(): Promise<WorkspaceRecord[]>;
  getGrant(wsid: number, userId: number): Promise<Level>;
  setGrant(wsid: number, userId: number, level: Level): Promise<void>;
  listGrants(wsid: number): Promise<{ user: string; level: Level }[]>;
  setPublic(wsid: number, isPublic: boolean): Promise<void>;
  publish(wsid: number, at: string): Promise<void>;

  findObjectByName(wsid: number, name: string): Promise<ObjectHead | undefined>;
  getObjectHead(key: ObjectKey): Promise<ObjectHead | undefined>;
  /** Saves version latest+1 (a new object when the name is new); refuses when `expectVersion` is stale. */
  insertVersion(version: NewVersion): Promise<{ objid: number; ver: number }>;
  getVersion(key: VersionKey): Promise<VersionRecord | undefined>;
  /** A page of latest versions by objid; `total` counts all that match, except on a keyset page (`afterObjid`), which counts nothing. */
  listObjects(wsid: number, filter: ObjectFilter): Promise<{ items: VersionRecord[]; total?: number }>;
  /** Every version of one object, oldest first. */
  history(key: ObjectKey): Promise<VersionRecord[]>;
  /** One page of the versions reachable from `root` (by wsid, objid, ver), with their names and types and the links walked from them. */
  lineagePage(root: VersionKey, query: LineageQuery): Promise<LineagePage>;
  /** The latest version of each object of these workspaces, by workspace id descending then name, from after `filter.after`. */
  listLatestIn(wsids: number[], filter: LatestFilter): Promise<VersionRecord[]>;
  /** Hides an object from listings (`hidden` says when and by whom) or shows it again (null); false when there is no such object. */
  setHidden(key: ObjectKey, hidden: { at: string; by: number } | null): Promise<boolean>;

  /** Records a stored blob and that this user uploaded it (only uploaders may attach a blob to a new object). */
  recordBlob(blob: { sha256: string; size: number; uploadedBy: number; at: string }): Promise<void>;
  /** Sizes of those of the blobs that this user uploaded. */
  uploadedBlobSizes(userId: number, sha256s: string[]): Promise<Map<string, number>>;

  registerApp(app: AppRecord): Promise<void>;
  getApp(id: string, version: string): Promise<AppRecord | undefined>;
  /** Every registered version, newest registration last. */
  listApps(): Promise<AppRecord[]>;
  setAppChannel(id: string, version: string, channel: AppRecord['channel']): Promise<void>;
  deprecateApp(id: string, version: string, deprecated: { at: string; reason: string }): Promise<void>;

  /** Offers a kernel image for code cells, or offers again one that was withdrawn (its name and version as given now). */
  offerKernelImage(image: { digest: string; name: string; version: string; offeredBy: number | null; offeredAt: string }): Promise<void>;
  /** Every kernel image ever offered here, withdrawn ones too, oldest offer first. */
  listKernelImages(): Promise<KernelImageRecord[]>;
  /** Stops offering a kernel image; false when it was never offered or is withdrawn already. */
  withdrawKernelImage(digest: string, at: string): Promise<boolean>;

  /** Plugin id → raw settings text, for one user. */
  labSettings(userId: number): Promise<Map<string, string>>;
  putLabSettings(userId: number, plugin: string, raw: string, at: string): Promise<void>;
  /** A saved JupyterLab workspace (layout) as JSON text. */
  labWorkspace(userId: number, id: string): Promise<string | undefined>;
  putLabWorkspace(userId: number, id: string, data: string, at: string): Promise<void>;

  createJob(job: NewJob): Promise<number>;
  /**
   * Many jobs, each as `createJob` records it, in a few multi-row statements: their ids, in
   * the order given. All are recorded or none (one transaction, the caller's if it holds one).
   */
  createJobs(jobs: readonly NewJob[]): Promise<number[]>;
  /** How many jobs are in each state (states without jobs are absent). */
  countJobsByState(): Promise<Map<JobState, number>>;
  getJob(id: number): Promise<Job | undefined>;
  /** The jobs of these ids that exist, by id (an id given twice is one job): a statement per thousand ids, however many. */
  getJobs(ids: readonly number[]): Promise<Job[]>;
  findJobByRequest(userId: number, clientRequestId: string): Promise<Job | undefined>;
  /** Puts a job in its next state, with every field of it, only if it is still in `expected` state; false when another writer moved it first. */
  updateJob(id: number, expected: JobState, next: JobStateFields): Promise<boolean>;
  /**
   * `updateJob` for many jobs (each id at most once) in a few multi-row statements, each move a
   * compare-and-set of its own: the ids of the jobs that moved, in the order given. One transaction.
   */
  updateJobs(moves: readonly JobMove[]): Promise<number[]>;
  listJobsInStates<S extends JobState>(states: S[]): Promise<JobIn<S>[]>;
  /** Jobs still `created` that were recorded before `before` (ISO time), by id: those whose server stopped while submitting them. */
  listCreatedBefore(before: string): Promise<JobIn<'created'>[]>;
  /** Jobs that ended failed after `since` (ISO time), oldest first. */
  listFailedSince(since: string): Promise<FailedJob[]>;
  /** The job started as a retry of this one, if any. */
  findRetryOf(jobId: number): Promise<Job | undefined>;
  /** One user's jobs matching `filter`, newest first (by id: the order they were made), at most `limit`, all below `beforeId` when given (keyset paging). */
  listJobsOf(filter: JobListFilter): Promise<Job[]>;
  /**
   * How many of a user's own jobs each cell of a narrative has, in workspaces the user may
   * read (what `listJobsOf` with `readableBy` the user lists for that narrative and cell):
   * cell id → how many and the newest's id, cells without jobs absent. One grouped statement.
   */
  countCellRuns(userId: number, narrative: number): Promise<Map<string, CellRuns>>;
  /** Which of these jobs were run again (a retry or a resubmission): job id → the first job that retried it. */
  retriesOf(jobIds: number[]): Promise<Map<number, number>>;
  appendJobEvent(jobId: number, at: string, event: unknown): Promise<number>;
  /** Events of many jobs, in a few multi-row statements, in the order given: all are appended or none (one transaction). */
  appendJobEvents(events: readonly NewJobEvent[]): Promise<void>;
  /** Records the version saved as a job's output; false when this job, attempt and output already have one (kept). */
  claimJobOutput(jobId: number, attempt: number, output: string, key: VersionKey): Promise<boolean>;
  /** The versions a job saved (or found identical, for a verified re-run), by output name, from its latest attempt. */
  jobOutputs(jobId: number): Promise<Map<string, VersionKey>>;
  /** A job's inputs once its upstream outputs are saved (each `resolved` filled in). */
  setJobInputs(jobId: number, inputs: JobInput[]): Promise<void>;
  createNarrativeRun(run: Omit<NarrativeRunRecord, 'id'>): Promise<number>;
  getNarrativeRun(id: number): Promise<NarrativeRunRecord | undefined>;
  /** The jobs of a narrative run, its steps in order. */
  jobsOfRun(runId: number): Promise<Job[]>;
  /** Records that a verified re-run made exactly this version again. */
  recordVerification(key: VersionKey, jobId: number, at: string): Promise<void>;
  /** The verified re-runs that made this version again, oldest first. */
  verificationsOf(key: VersionKey): Promise<{ jobId: number; at: string }[]>;
  jobEvents(jobId: number, afterSeq: number): Promise<{ seq: number; at: string; event: unknown }[]>;

  createNarrative(n: { wsid: number; objid: number; title: string; createdAt: string; copiedFrom: number | null }): Promise<number>;
  getNarrative(id: number): Promise<NarrativeRecord | undefined>;
  getNarrativeByWorkspace(wsid: number): Promise<NarrativeRecord | undefined>;
  /** Narratives whose workspace the user owns or holds a grant in. */
  listNarrativesOf(userId: number): Promise<NarrativeRecord[]>;
  updateNarrative(id: number, change: { title?: string; updatedAt: string }): Promise<void>;
  deleteNarrative(id: number, at: string): Promise<void>;

  /**
   * Records a publication and every file of it at once. A narrative version
   * published already (or the same content id) is not recorded twice: that
   * publication is returned, with `created` false, also to the loser of a
   * race between two servers on one database.
   */
  createPublication(publication: NewPublication): Promise<{ publication: PublicationRecord; created: boolean }>;
  getPublication(contentId: string): Promise<PublicationRecord | undefined>;
  findPublication(narrativeId: number, narrativeVersion: number): Promise<PublicationRecord | undefined>;
  /** A narrative's publications, newest first. */
  listPublications(narrativeId: number): Promise<PublicationRecord[]>;
  /** The files of a publication's archive, in the archive's order. */
  publicationEntries(contentId: string): Promise<PublicationEntry[]>;
}

export type TokenKind = 'api' | 'session';

/** What a kernel's token is limited to: writing only into its narrative's workspace, reading what its user may read. */
export interface TokenScope {
  wsid: number;
  narrativeId: number;
  /** The image its kernel runs in, by digest, as the kernel's kernelspec says; null: the host's Python. */
  kernelImage: string | null;
}

/** A kernel image offered for code cells (server/src/kernels/kernel-images.ts). */
export interface KernelImageRecord {
  digest: string;
  name: string;
  version: string;
  offeredBy: number | null;
  offeredAt: string;
  /** When it stopped being offered; narratives pinned to it still open into it while it is stored. */
  withdrawnAt: string | null;
}

export interface AppRecord {
  id: string;
  version: string;
  spec: AppSpec;
  channel: 'dev' | 'beta' | 'release';
  registeredBy: number;
  registeredAt: string;
  /** Set once a version should no longer be chosen for new work; it still runs, so old narratives re-run. */
  deprecated: { at: string; reason: string } | null;
}

export interface UserRecord {
  id: number;
  name: string;
  role: Role;
  passwordHash: string | null;
  createdAt: string;
}

export interface TokenRecord {
  id: number;
  label: string;
  kind: TokenKind;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface WorkspaceRecord {
  id: number;
  name: string;
  ownerId: number;
  ownerName: string;
  isPublic: boolean;
  publishedAt: string | null;
  createdAt: string;
}

/** One object of a workspace, whatever its versions. */
export interface ObjectKey {
  wsid: number;
  objid: number;
}

/** One immutable version of an object: what a reference `wsid/objid/ver` names. */
export interface VersionKey extends ObjectKey {
  ver: number;
}

export interface ObjectHead {
  wsid: number;
  objid: number;
  name: string;
  latestVer: number;
}

export interface FileRecord {
  name: string;
  sha256: string;
  size: number;
}

export interface NewVersion {
  wsid: number;
  name: string;
  type: string;
  data: unknown;
  size: number;
  savedBy: number;
  savedAt: string;
  provenance: Provenance;
  copiedFrom: string | null;
  files: FileRecord[];
  /** Versions this one was made from, with how. */
  parents: { ref: VersionKey; relation: LinkRelation }[];
  expectVersion?: number;
  /** Statistics of the files, computed before the save; none (null) by default. */
  summary?: ObjectSummary | null;
}

export type LinkRelation = 'input' | 'copy' | 'revert';

export interface VersionRecord extends VersionKey {
  name: string;
  type: string;
  data: unknown;
  size: number;
  savedBy: string;
  savedAt: string;
  provenance: Provenance;
  copiedFrom: string | null;
  latestVer: number;
  files: FileRecord[];
  summary: ObjectSummary | null;
  /** Whether the object (all its versions) is hidden from listings. */
  hidden: boolean;
}

/** What `listJobsOf` selects: every field given narrows the list. */
export interface JobListFilter {
  userId: number;
  /**
   * Only jobs in workspaces this user may read (owns, was granted, or
   * public): what GET /jobs/{id} would show them, so a list never offers a
   * job that answers 403 once opened or cancelled.
   */
  readableBy?: number;
  states?: JobState[];
  appId?: string;
  narrative?: number;
  /** Only with `narrative`: a cell id is unique within its notebook only. */
  cell?: string;
  /** ISO 8601 in UTC, as stored: made at or after `since`, before `until`. */
  since?: string;
  until?: string;
  beforeId?: number;
  limit: number;
}

export interface ObjectFilter {
  type?: string;
  nameContains?: string;
  after?: string;
  before?: string;
  /** true: only hidden objects; false: only the others; absent: both. */
  hidden?: boolean;
  limit: number;
  /** Skips this many (ignored with `afterObjid`). */
  offset: number;
  /** Keyset paging: only objects whose objid is above this one, the last of the page before. */
  afterObjid?: number;
}

/** A keyset page of latest versions across workspaces; `after` is the last (workspace, name) of the page before. */
export interface LatestFilter {
  type?: string;
  nameContains?: string;
  /** true: only hidden objects; false: only the others; absent: both. */
  hidden?: boolean;
  /** Leaves out objects whose latest version is of this type. */
  excludeType?: string;
  after?: { wsid: number; name: string };
  limit: number;
}

export interface LineageQuery {
  direction: 'ancestors' | 'descendants' | 'both';
  /** How many steps to walk from the root; absent: all the way. */
  depth?: number;
  /** The last version of the page before: this page holds the versions after it. */
  after?: VersionKey;
  /** Versions per page. */
  limit: number;
}

/** One job's compare-and-set: into `next` if it is still in `expected` state. */
export interface JobMove {
  id: number;
  expected: JobState;
  next: JobStateFields;
}

export interface NewJobEvent {
  jobId: number;
  at: string;
  event: unknown;
}

/** A user's runs of one cell of a narrative: how many, and the id of the newest. */
export interface CellRuns {
  runs: number;
  latest: number;
}

/** A lineage page names versions by their refs, `wsid/objid/ver`: what the API answers, made by the query itself. */
export interface LineagePage {
  /** Each version once, in (wsid, objid, ver) order; the root among them on the page it falls on. */
  nodes: { ref: string; wsid: number; name: string; type: string }[];
  /** The links walked from this page's versions (up from an ancestor, down from a descendant), parent to child, each once over all pages. */
  links: { from: string; to: string; relation: LinkRelation }[];
  /** The last version of this page when more versions follow, else null. */
  next: VersionKey | null;
}

export type NarrativeRunKind = 'run-all' | 'update';

/** A narrative's app cells run together: all of them in order, or those an update needs. */
export interface NarrativeRunRecord {
  id: number;
  narrative: number;
  /** The notebook version whose cells were run. */
  narrativeVersion: number;
  userId: number;
  kind: NarrativeRunKind;
  verify: boolean;
  createdAt: string;
}

export interface NarrativeRecord {
  id: number;
  wsid: number;
  objid: number;
  title: string;
  createdAt: string;
  updatedAt: string;
  copiedFrom: number | null;
  deletedAt: string | null;
}

/** A published narrative version: its archive, frozen so the same bytes can be served again. */
export interface PublicationRecord {
  /** `sha256:` and the sha256 of the archive's manifest. */
  contentId: string;
  narrativeId: number;
  /** The narrative's workspace (one of `workspaces`). */
  wsid: number;
  /**
   * Every workspace the archive holds data of, ascending: the narrative's
   * and each of its versions'. Whoever may read them all may read the
   * publication, as for exporting the archive.
   */
  workspaces: number[];
  narrativeVersion: number;
  title: string;
  publishedBy: string;
  publishedAt: string;
  /** Bytes of the whole archive. */
  size: number;
}

/**
 * One file of a published archive, by content address: bytes kept in the
 * blob store under their sha256, or an image's OCI archive kept by the
 * image store under the image's digest (`sha256` is then the archive file's).
 */
export type PublicationEntry = { path: string; sha256: string; size: number } & ({ kind: 'blob' } | { kind: 'image'; digest: string });

export interface NewPublication extends Omit<PublicationRecord, 'publishedBy'> {
  publishedBy: number;
  entries: PublicationEntry[];
}

/** Thrown by `insertVersion` when `expectVersion` does not match the latest version. */
export class StaleVersionError extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`expected latest version ${expected} but it is ${actual}`);
  }
}
