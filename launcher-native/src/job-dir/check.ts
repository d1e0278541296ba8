import { readFile } from 'node:fs/promises';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';

/** A file of a job directory that is there but is not what its schema says: names the file and the first thing wrong. */
export class InvalidJobFile extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InvalidJobFile';
  }
}

/**
 * A schema's compiled check, compiled on its first use rather than when the
 * module defining it loads: every job's wrapper imports schemas it never
 * checks (a result's other outcomes), and its start-up is every job's floor.
 */
export function lazyCheck<T extends TSchema>(schema: T): () => TypeCheck<T> {
  let compiled: TypeCheck<T> | undefined;
  return () => (compiled ??= TypeCompiler.Compile(schema));
}

/** Checks a value against a schema, compiled once, on first use; throws InvalidJobFile naming `file`. */
export function checker<T extends TSchema>(file: string, schema: T): (value: unknown) => Static<T> {
  const compiled = lazyCheck(schema);
  return (value) => {
    if (compiled().Check(value)) return value;
    const first = compiled().Errors(value).First();
    throw new InvalidJobFile(file, first ? `${first.path || '(the whole file)'}: ${expected(first)}` : 'does not match its schema');
  };
}

/** TypeBox says "expected union value" for a union: name its members instead ("expected integer or null"). */
function expected(error: ValueError): string {
  const members = (error.schema as { anyOf?: { const?: unknown; type?: string }[] }).anyOf;
  if (!members) return error.message.toLowerCase();
  return `expected ${members.map((m) => ('const' in m ? JSON.stringify(m.const) : (m.type ?? 'a value'))).join(' or ')}`;
}

export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidJobFile(file, `not valid JSON (${(error as Error).message})`);
  }
}

/** Reads a JSON file and checks it; null when the file does not exist (yet). */
export async function readJsonFile<T>(path: string, file: string, check: (value: unknown) => T): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return check(parseJson(file, text));
}
