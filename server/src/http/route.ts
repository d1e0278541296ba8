import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Request, Response } from 'express';
import type { Context } from '../domain/context.js';
import type { LoadedNarrative } from '../domain/narratives.js';
import type { Caller } from '../domain/permissions.js';
import type { Level, Role } from '../schemas/common.js';
import type { PublicationRecord, WorkspaceRecord } from '../store/store.js';
import type { Job } from '../domain/jobs/job.js';

/**
 * A REST route: its schemas (which validate the request and make the OpenAPI
 * document), the access it needs, and a thin handler calling the domain.
 */
export type Access =
  | { kind: 'public' }
  /** `kernels`: a kernel's scoped token may call it too, though it is no read (what saving from code needs). */
  | { kind: 'user'; role?: Role; kernels?: true }
  | { kind: 'workspace'; level: Level; workspace: string }
  /** `changes: false`: needs the level, but leaves the workspace as it is, so a published (read-only) one allows it too. */
  | { kind: 'narrative'; level: Level; narrative: number; changes?: boolean }
  /** A level in the workspace the job saves its outputs to. */
  | { kind: 'job'; level: Level; job: number }
  /** The same level in each job's workspace, as for one job (comparing two runs reads both). */
  | { kind: 'jobs'; level: Level; jobs: number[] }
  /**
   * Reading each of many jobs the caller may read, as GET /jobs/{id} would; never refused: a
   * job that does not exist and one the caller may not read are both just missing, not told
   * apart. `narrative`: also whether the caller may read it (granted as `narrative` if so).
   */
  | { kind: 'readable-jobs'; jobs: number[]; narrative?: number }
  /** Read access to every workspace a publication's archive holds data of (a cell's input may come from another). */
  | { kind: 'publication'; contentId: string };

/** What `authorize` established: the caller and, for workspace and narrative routes, what they may touch. */
export interface Granted {
  caller: Caller | null;
  ws?: WorkspaceRecord;
  narrative?: LoadedNarrative;
  job?: Job;
  /** For `jobs` access: each job, in the order declared. */
  jobs?: Job[];
  /** For `readable-jobs` access: the jobs the caller may read, in the order first declared, and the other ids (each once). */
  readable?: { jobs: Job[]; missing: number[] };
  /** For `publication` access. */
  publication?: PublicationRecord;
  level?: Level;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface Route<P extends TSchema = TObject, Q extends TSchema = TObject, B extends TSchema = TSchema> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI-style path under /api/v1, e.g. `/workspaces/{wsid}`. */
  path: string;
  /** Express path when it differs (wildcards). */
  expressPath?: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** `json` (default when `body` is set) parses and validates; `raw` leaves the stream to the handler. */
  bodyKind?: 'json' | 'raw';
  /**
   * Parse the JSON body whatever its Content-Type. Only for the Contents API
   * (JupyterLab sends its bodies untyped there); elsewhere a JSON body must say
   * application/json, so a cross-site HTML form cannot post one.
   */
  jsonOfAnyContentType?: true;
  rawContentType?: string;
  /**
   * `alsoEmpty`: a second success without a body (a 204), and when it comes.
   * `alsoContent`: other media types the same success may come in (the request's query chooses), by type.
   */
  response: { status: number; schema?: TSchema; contentType?: string; description?: string; alsoEmpty?: { status: 204; description: string }; alsoContent?: Record<string, TSchema> };
  access: (input: RouteInput<Static<P>, Static<Q>, Static<B>>) => Access;
  /** Returns the response body; or `undefined` after writing to `http.res` itself. */
  handle: (input: RouteInput<Static<P>, Static<Q>, Static<B>>, granted: Granted, ctx: Context, http: { req: Request; res: Response }) => Promise<unknown>;
}

/** The registry holds routes of every shape; each was type-checked where `route()` built it. */
export type AnyRoute = Route<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function route<P extends TSchema = TObject, Q extends TSchema = TObject, B extends TSchema = TSchema>(r: Route<P, Q, B>): AnyRoute {
  return r as AnyRoute;
}

/**
 * Whether an anonymous caller can ever pass this access: public routes, and
 * GET reads that a public workspace grants to anyone (a publication is a
 * read, of public workspaces when all it draws from are). Everything else
 * needs a caller, and is refused with 401 before its input is even looked at.
 */
export function anonymousMayCall(method: Route['method'], access: Access): boolean {
  // A lookup of jobs refuses no one: what an anonymous caller may not read is only missing from it.
  if (access.kind === 'public' || access.kind === 'readable-jobs') return true;
  if (method !== 'get') return false;
  if (access.kind === 'publication') return true;
  return (access.kind === 'workspace' || access.kind === 'narrative' || access.kind === 'job' || access.kind === 'jobs') && access.level === 'read';
}

/**
 * Whether a route only reads, whatever its method: a lookup of many jobs is a
 * POST only because a thousand ids do not fit in a URL; it changes nothing, so
 * a kernel's token may call it as it may any GET.
 */
export function readsOnly(access: Access): boolean {
  return access.kind === 'readable-jobs';
}

/** A handler's answer when its status differs from the route's usual one (e.g. 201 when a PUT created). */
export class Reply {
  constructor(readonly status: number, readonly body: unknown) {}
}

export const always = {
  public: (): Access => ({ kind: 'public' }),
  user: (): Access => ({ kind: 'user' }),
  admin: (): Access => ({ kind: 'user', role: 'admin' }),
};
