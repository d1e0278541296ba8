import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { checker, InvalidJobFile, parseJson } from './check.js';
import { FILE_NAMES } from './layout.js';

/**
 * `/out/outputs.json`, what the app declares it made: each output by the name
 * its app spec gives it, optionally its type (checked against the spec), its
 * data and the files under /out that belong to it.
 */
export const DeclaredOutputs = Type.Object({
  outputs: Type.Array(Type.Object({
    name: Type.String(),
    type: Type.Optional(Type.String()),
    data: Type.Optional(Type.Unknown()),
    files: Type.Optional(Type.Array(Type.String())),
  })),
});
export type DeclaredOutputs = Static<typeof DeclaredOutputs>;

const FILE = `/out/${FILE_NAMES.declaration}`;
const MAX_DECLARATION_BYTES = 16 * 1024 * 1024;
const checkShape = checker(FILE, DeclaredOutputs);

/**
 * The declaration as the app wrote it, for result.json, and what is wrong with
 * it. It is kept even when malformed (the server fails the job with the
 * problems); null when the app wrote none.
 */
export async function readDeclaration(outDir: string): Promise<{ declared: unknown; problems: string[] }> {
  const path = join(outDir, FILE_NAMES.declaration);
  const info = await lstat(path).catch(() => null);
  if (!info) return { declared: null, problems: [] };
  // Links are not followed out of /out; collecting /out already names them as problems.
  if (!info.isFile()) return { declared: null, problems: [] };
  if (info.size > MAX_DECLARATION_BYTES) return { declared: null, problems: [`${FILE} is larger than 16 MiB`] };
  try {
    const declared = parseJson(FILE, await readFile(path, 'utf8'));
    try {
      checkShape(declared);
      return { declared, problems: [] };
    } catch (error) {
      return { declared, problems: [(error as Error).message] };
    }
  } catch (error) {
    return { declared: null, problems: [(error as Error).message] };
  }
}

/** The declaration a result carries, checked: throws InvalidJobFile when the app wrote none or a malformed one. */
export function declaredOutputs(declared: unknown): DeclaredOutputs {
  if (declared === null || declared === undefined) throw new InvalidJobFile(FILE, 'the app wrote none');
  return checkShape(declared);
}
