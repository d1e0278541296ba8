import type { LinkRelation, VersionRecord } from '../../store/store.js';

/**
 * What an export describes, gathered once from the store and then written
 * as an RO-Crate or as PROV-JSON: the steps (a narrative's app cells, or the
 * jobs an object's lineage went through), the run of each, and every object
 * version they read or made. Nothing here is read again by the writers, so
 * both formats tell the same story and check access in one place.
 */
export interface RunGraph {
  /** What was exported, short enough for a file name: `narrative-7`, `object-12-3-1-lineage`. */
  slug: string;
  title: string;
  description: string;
  /** The server's own origin: the global names of objects, jobs and apps hang below it. */
  base: string;
  exportedAt: string;
  /** The main workflow: the notebook, or for a lineage its steps written as JSON. */
  workflow: WorkflowDocument;
  steps: StepNode[];
  /** Every version the steps read or made (and, for a lineage, the object exported), by `wsid/objid/ver`. */
  versions: Map<string, VersionNode>;
  /** Versions made from another without a run: copies and reverts. */
  links: { from: string; to: string; relation: Exclude<LinkRelation, 'input'> }[];
  /** Versions saved by code in a narrative's kernel, each with what it read (a lineage's; a narrative's export has none yet). */
  codeSteps: CodeStepNode[];
}

/** One save from a code cell: the version it made, from its provenance's code block. */
export interface CodeStepNode {
  output: string;
  user: string;
  at: string;
  narrative: { id: number; version: number | null } | null;
  cell: string | null;
  sourceSha256: string | null;
  /** null: the host's Python. */
  kernelImage: string | null;
  /** Every input the save names (what the kernel read, and any the code gave), resolved. */
  inputs: string[];
}

export interface WorkflowDocument {
  fileName: string;
  content: Buffer;
  language: 'notebook' | 'steps';
  /** The notebook's own version, when the workflow is a narrative. */
  ref: string | null;
}

export interface StepNode {
  /** The app cell's id, or `job-<id>` for a lineage step. */
  id: string;
  /** From 0, in an order where every step comes after those whose outputs it takes. */
  position: number;
  name: string;
  /** What the step is meant to run (the cell's app version). */
  app: AppNode;
  /** The step's latest run the exporter may read; null when it never ran (or ran where they cannot look). */
  run: RunNode | null;
}

export interface AppNode {
  id: string;
  version: string;
  name: string;
  description: string;
  imageDigest: string;
  /** How the image is kept: `stored` in this server's image store, else the operator's format. */
  imageFormat: 'stored' | 'directory' | 'squashfs' | 'oci-archive' | 'docker-image' | 'sif';
  inputs: { name: string; description: string }[];
  outputs: { name: string; description: string }[];
  /** Parameter name → its JSON Schema type, when it declares one. */
  params: { name: string; type: string | null; description: string }[];
}

export type RunStatus = 'completed' | 'failed' | 'cancelled' | 'active' | 'potential';

export interface RunNode {
  jobId: number;
  app: AppNode;
  user: string;
  params: Record<string, unknown>;
  inputs: { name: string; ref: string }[];
  outputs: { name: string; ref: string }[];
  status: RunStatus;
  /** Why it did not complete, for a failed or cancelled run. */
  error: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** The image the job ran, by digest (its outputs' provenance records it). */
  imageDigest: string;
  /** What the platform set for repeatable output (SOURCE_DATE_EPOCH, TZ, locale), as the outputs record it. */
  environment: Record<string, string>;
}

/** A version the export names: its record when the exporter may read its workspace, else only its reference. */
export interface VersionNode {
  ref: string;
  record: VersionRecord | null;
}
