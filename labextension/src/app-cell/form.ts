import type { TranslationBundle } from '@jupyterlab/translation';

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

/**
 * One form field for a parameter: a select for enums, a checkbox for booleans,
 * a number box for integers and numbers, else a text box. `onChange` gets the
 * typed value (undefined when empty).
 */
export function createParamField(name: string, schema: IParamSchema, value: unknown, onChange: (value: unknown) => void): HTMLElement {
  let control: HTMLInputElement | HTMLSelectElement;
  if (schema.enum) {
    const select = document.createElement('select');
    for (const option of schema.enum) {
      const o = document.createElement('option');
      o.value = JSON.stringify(option);
      o.textContent = String(option);
      select.appendChild(o);
    }
    select.value = JSON.stringify(value ?? schema.default ?? schema.enum[0]);
    select.addEventListener('change', () => onChange(JSON.parse(select.value)));
    control = select;
  } else if (schema.type === 'boolean') {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = Boolean(value ?? schema.default);
    box.addEventListener('change', () => onChange(box.checked));
    control = box;
  } else {
    const input = document.createElement('input');
    const numeric = schema.type === 'integer' || schema.type === 'number';
    input.type = numeric ? 'number' : 'text';
    if (numeric && schema.type === 'integer') input.step = '1';
    if (value !== undefined && value !== null) input.value = String(value);
    input.addEventListener('input', () => {
      if (input.value === '') onChange(undefined);
      else onChange(numeric ? Number(input.value) : input.value);
    });
    control = input;
  }
  control.className = 'jp-narrative-ParamControl';
  control.name = name;
  return control;
}
