import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { badRequest, invalidContent, type FieldError } from '../errors.js';
import { createAjv, describeFieldErrors, toFieldErrors } from '../schemas/validation.js';
import { printable } from './refs.js';

/**
 * Data types, one JSON Schema file each (`Module.Name-major.minor.json`).
 * A schema validates an object's `data`; its `x-narrative.files` says how
 * many files the object carries.
 */
export interface DataType {
  id: string;
  title: string;
  description: string;
  schema: Record<string, unknown>;
  files: { min: number; max: number | null; description: string };
}

export class TypeRegistry {
  private readonly types = new Map<string, { type: DataType; validate: ValidateFunction }>();

  constructor(dir: string) {
    // useDefaults: a save without optional fields stores the schema's defaults, so readers see one shape.
    const ajv = createAjv({ useDefaults: true });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      const id = file.slice(0, -'.json'.length);
      if (schema.$id !== id) throw new Error(`type schema ${file}: $id must be "${id}"`);
      const files = (schema['x-narrative'] as { files?: Partial<DataType['files']> } | undefined)?.files ?? {};
      const type: DataType = {
        id,
        title: String(schema.title ?? id),
        description: String(schema.description ?? ''),
        schema,
        files: { min: files.min ?? 0, max: files.max ?? null, description: files.description ?? '' },
      };
      this.types.set(id, { type, validate: ajv.compile(schema) });
    }
  }

  list(): DataType[] {
    return [...this.types.values()].map((t) => t.type);
  }

  get(id: string): DataType {
    return this.entry(id).type;
  }

  /** Validates (and fills defaults into) `data`, and checks the file count; throws a 422 naming each failing field. */
  check(id: string, data: unknown, fileCount: number): void {
    const { type, validate } = this.entry(id);
    const errors: FieldError[] = validate(data) ? [] : toFieldErrors(validate.errors, '/data');
    if (fileCount < type.files.min) errors.push({ path: '/files', message: `${id} needs at least ${type.files.min} file(s): ${type.files.description}` });
    if (type.files.max !== null && fileCount > type.files.max) errors.push({ path: '/files', message: `${id} takes at most ${type.files.max} file(s)` });
    if (errors.length > 0) throw invalidContent(`Not a valid ${id}: ${describeFieldErrors(errors)}`, errors);
  }

  private entry(id: string) {
    const entry = this.types.get(id);
    if (!entry) throw badRequest(`Unknown type ${printable(id)}. Known types: ${[...this.types.keys()].join(', ')}.`, [{ path: '/type', message: 'is not a known type' }]);
    return entry;
  }
}
