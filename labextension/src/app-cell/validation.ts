import type { TranslationBundle } from '@jupyterlab/translation';
import type { AppSpec } from '@narrative/server/client';
import type { IAppCellMetadata } from './metadata.js';

/** One parameter of an app's JSON Schema, as far as the form understands it. */
export interface IParamSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  title?: string;
  description?: string;
}

/** Why `value` is not valid for `schema`, or null when it is. */
export function validateParam(schema: IParamSchema, value: unknown, required: boolean, trans: TranslationBundle): string | null {
  if (value === undefined || value === '') return required ? trans.__('Required.') : null;
  if (schema.enum && !schema.enum.some((v) => v === value)) return trans.__('Must be one of %1.', schema.enum.map(String).join(', '));
  if (schema.type === 'integer' || schema.type === 'number') {
    if (typeof value !== 'number' || Number.isNaN(value)) return trans.__('Must be a number.');
    if (schema.type === 'integer' && !Number.isInteger(value)) return trans.__('Must be a whole number.');
    if (schema.minimum !== undefined && value < schema.minimum) return trans.__('Must be at least %1.', schema.minimum);
    if (schema.maximum !== undefined && value > schema.maximum) return trans.__('Must be at most %1.', schema.maximum);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return trans.__('Must be more than %1.', schema.exclusiveMinimum);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) return trans.__('Must be less than %1.', schema.exclusiveMaximum);
  }
  if (schema.type === 'string') {
    if (typeof value !== 'string') return trans.__('Must be text.');
    if (schema.minLength !== undefined && value.length < schema.minLength) return trans.__('Must be at least %1 characters.', schema.minLength);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return trans.__('Must be at most %1 characters.', schema.maxLength);
    if (schema.pattern !== undefined) {
      let re: RegExp | null = null;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = null;
      }
      if (re && !re.test(value)) return trans.__('Must match %1.', schema.pattern);
    }
  }
  return null;
}

/** An app's parameters as the form sees them: name → schema, in the spec's order. */
export function paramsOf(spec: AppSpec): [name: string, schema: IParamSchema][] {
  return Object.entries(spec.params.properties as Record<string, IParamSchema>);
}

/** The parameters with each default filled in where the cell has no value yet. */
export function withDefaults(spec: AppSpec, params: Record<string, unknown>): Record<string, unknown> {
  const filled = { ...params };
  for (const [name, schema] of paramsOf(spec)) {
    if (filled[name] === undefined && schema.default !== undefined) filled[name] = schema.default;
  }
  return filled;
}

/**
 * What keeps a cell from running, by field (`param:<name>`, `input:<name>`):
 * a parameter its schema refuses, or a required input with no object.
 */
export function formErrors(spec: AppSpec, cell: IAppCellMetadata, trans: TranslationBundle): Map<string, string> {
  const errors = new Map<string, string>();
  const required = new Set(spec.params.required ?? []);
  for (const [name, schema] of paramsOf(spec)) {
    const message = validateParam(schema, cell.params[name], required.has(name), trans);
    if (message) errors.set(`param:${name}`, message);
  }
  for (const input of spec.inputs) {
    if (input.required && !cell.inputs[input.name]) errors.set(`input:${input.name}`, trans.__('Drop a %1 object here.', input.types.join(' or ')));
  }
  return errors;
}
