import { createHash } from 'node:crypto';
import { badRequest } from '../errors.js';
import { CODE_SOURCE_KEPT, type CodeClaim, type CodeRun, type NarrativeOrigin } from '../schemas/provenance.js';
import type { VersionKey } from '../store/store.js';
import type { Context } from './context.js';
import { NARRATIVE_TYPE } from './notebook.js';
import type { Caller } from './permissions.js';
import { formatRef } from './refs.js';

/**
 * Provenance of what code in a narrative's kernel saves. A kernel reaches the
 * server with a token scoped to its narrative (kernels/kernel-credentials.ts);
 * every version that token reads is recorded here, and a save with it names
 * those versions as its inputs. The server's record, not the kernel's word,
 * says what the code read; the cell and its source are the kernel's word.
 */

/** Records that a kernel's token read a version's content (its data or a file); other callers' reads are not kept. */
export async function noteRead(ctx: Context, caller: Caller | null, key: VersionKey): Promise<void> {
  if (!caller?.scope || caller.tokenId === undefined) return;
  await ctx.store.recordTokenRead(caller.tokenId, key, ctx.now());
}

export interface CodeOrigin {
  narrative: NarrativeOrigin;
  code: CodeRun;
  /** What the kernel read, as provenance inputs (given and resolved alike: the server resolved them when they were read). */
  inputs: { given: string; key: VersionKey }[];
}

/**
 * The code block of a save, or null when the save is not from a kernel. A
 * notebook saved through a kernel's token is the narrative itself, not a
 * result of its code, and stays a plain save. A claim from any other token is
 * refused: it would pass off a save as code the server never saw run.
 */
export async function codeOrigin(ctx: Context, caller: Caller, type: string, claim: CodeClaim | undefined): Promise<CodeOrigin | null> {
  if (!caller.scope || caller.tokenId === undefined || type === NARRATIVE_TYPE) {
    if (claim !== undefined) throw badRequest("Only a narrative kernel's token may describe the code that saves an object.", [{ path: '/code', message: "is only for saves from a narrative's kernel" }]);
    return null;
  }
  const reads = await ctx.store.tokenReads(caller.tokenId);
  const narrative = await ctx.store.getNarrative(caller.scope.narrativeId);
  const head = narrative && (await ctx.store.getObjectHead({ wsid: narrative.wsid, objid: narrative.objid }));
  return {
    // The notebook as last saved: the cell may have changed since, which is why its source is kept too.
    narrative: { id: caller.scope.narrativeId, ...(head ? { version: head.latestVer } : {}), ...(claim?.cell ? { cell: claim.cell } : {}) },
    code: codeRun(claim, reads.map(formatRef), caller.scope.kernelImage),
    inputs: reads.map((key) => ({ given: formatRef(key), key })),
  };
}

/** The code block from what the kernel said, what it read and the image it runs in. */
export function codeRun(claim: CodeClaim | undefined, inputs: string[], kernelImage: string | null): CodeRun {
  const source = claim?.source ?? null;
  return {
    cell: claim?.cell ?? null,
    sourceSha256: source === null ? null : createHash('sha256').update(source, 'utf8').digest('hex'),
    source: source === null ? null : source.slice(0, CODE_SOURCE_KEPT),
    sourceTruncated: source !== null && source.length > CODE_SOURCE_KEPT,
    kernelImage,
    inputs,
  };
}

/** Inputs the save names itself, then what the kernel read that they do not already name. */
export function mergeInputs<T extends { key: VersionKey }>(given: T[], read: T[]): T[] {
  const seen = new Set(given.map((i) => formatRef(i.key)));
  return [...given, ...read.filter((i) => !seen.has(formatRef(i.key)))];
}
