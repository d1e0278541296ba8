import { formatRef } from '../refs.js';
import { readFile, stat } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { DeclaredOutputs, JobResult } from '@narrative/launcher-native';
import type { FileComparison, OutputComparison, VerificationReport } from '../../schemas/verification.js';
import type { VersionKey, VersionRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { Job } from './job.js';

/** Past this size a text file is compared by digest only: finding the first differing line would read it whole. */
const LINE_COMPARE_MAX_BYTES = 32 * 1024 * 1024;
const SHOWN_LINE_CHARS = 200;

/** An output compared with the original run's version of it, before anything is saved. */
export interface Compared extends Omit<OutputComparison, 'saved'> {
  /** The original's version, when this output is identical to it: the re-run records a verification of it instead of saving a copy. */
  reuse: VersionKey | null;
}

/**
 * Compares a verified re-run's declared outputs with the versions its
 * original job saved: the data (after the type's defaults, as a save would
 * store it) and every file by sha256, and for text files the first line
 * that differs. Nothing is written.
 */
export async function compareOutputs(ctx: Context, original: Job, declared: DeclaredOutputs, result: JobResult, typeOf: (output: string) => string | undefined): Promise<Compared[]> {
  const originals = await ctx.store.jobOutputs(original.id);
  const listed = new Map(result.outputs.map((o) => [o.path, o]));
  const compared: Compared[] = [];
  for (const output of declared.outputs) {
    const key = originals.get(output.name);
    const before = key ? await ctx.store.getVersion(key) : undefined;
    const data = structuredClone(output.data ?? {});
    const paths = output.files ?? [];
    // The defaults a save adds: without them an identical output would differ from what was stored.
    const type = typeOf(output.name);
    if (type) ctx.types.check(type, data, paths.length);
    const files = await compareFiles(ctx, before, paths.map((path) => ({ ...listed.get(path)!, path, name: path.split('/').pop()! })));
    const dataIdentical = before !== undefined && isDeepStrictEqual(before.data, data);
    const identical = before !== undefined && dataIdentical && files.every((f) => f.status === 'identical');
    compared.push({ name: output.name, identical, dataIdentical, original: key ? formatRef(key) : null, files, reuse: identical ? key! : null });
  }
  return compared;
}

async function compareFiles(ctx: Context, before: VersionRecord | undefined, after: { path: string; name: string; sha256: string; size: number }[]): Promise<FileComparison[]> {
  const originals = new Map((before?.files ?? []).map((f) => [f.name, f]));
  const comparisons: FileComparison[] = [];
  for (const file of after) {
    const was = originals.get(file.name);
    originals.delete(file.name);
    const rerun = { sha256: file.sha256, size: file.size };
    if (!was) {
      comparisons.push({ name: file.name, status: 'only-rerun', rerun });
      continue;
    }
    const original = { sha256: was.sha256, size: was.size };
    if (was.sha256 === file.sha256) {
      comparisons.push({ name: file.name, status: 'identical', original, rerun });
      continue;
    }
    // Both from the blob store (the re-run's files were stored before the comparison): never a path the app could still change.
    const firstDifference = await firstDifferentLine(ctx.blobs.path(was.sha256), ctx.blobs.path(file.sha256));
    comparisons.push({ name: file.name, status: 'different', original, rerun, ...(firstDifference ? { firstDifference } : {}) });
  }
  for (const was of originals.values()) comparisons.push({ name: was.name, status: 'only-original', original: { sha256: was.sha256, size: was.size } });
  return comparisons;
}

/** The first line where two text files differ; null for binary or very large files. */
async function firstDifferentLine(originalPath: string, rerunPath: string): Promise<FileComparison['firstDifference'] | null> {
  const sizes = await Promise.all([stat(originalPath), stat(rerunPath)]).catch(() => null);
  if (!sizes || sizes.some((s) => s.size > LINE_COMPARE_MAX_BYTES)) return null;
  const [a, b] = await Promise.all([readFile(originalPath), readFile(rerunPath)]);
  if (!isText(a) || !isText(b)) return null;
  const left = a.toString('utf8').split('\n');
  const right = b.toString('utf8').split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) return { line: i + 1, original: shown(left[i]), rerun: shown(right[i]) };
  }
  return null;
}

/** Text as most tools mean it: no NUL byte in the first 8 KiB. */
function isText(bytes: Buffer): boolean {
  return !bytes.subarray(0, 8192).includes(0);
}

function shown(line: string | undefined): string | null {
  return line === undefined ? null : line.slice(0, SHOWN_LINE_CHARS);
}

/** The report kept with the re-run once every output has its version. */
export function verificationReport(originalJob: number, deterministic: boolean, compared: Compared[], saved: Map<string, string>): VerificationReport {
  const files = compared.flatMap((c) => c.files);
  const identicalFiles = files.filter((f) => f.status === 'identical').length;
  return {
    original: originalJob,
    identical: compared.every((c) => c.identical),
    expected: deterministic ? 'identical' : 'not-deterministic',
    files: { total: files.length, identical: identicalFiles, different: files.length - identicalFiles },
    outputs: compared.map(({ reuse: _reuse, ...c }) => ({ ...c, saved: saved.get(c.name)! })),
  };
}
