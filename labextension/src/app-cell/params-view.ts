import type { TranslationBundle } from '@jupyterlab/translation';
import { el } from '../dom.js';
import type { AppCellForm } from './form.js';
import { paramsOf, type IParamSchema } from './validation.js';

/** The parameters section: a form from the app's JSON Schema parameters, each with its message. */
export function renderParams(form: AppCellForm, errors: Map<string, string>, locked: boolean, trans: TranslationBundle): HTMLElement | null {
  const params = form.spec ? paramsOf(form.spec) : [];
  if (params.length === 0) return null;
  const section = el('div', 'jp-narrative-AppParams');
  section.appendChild(el('div', 'jp-narrative-AppSectionTitle', trans.__('Parameters')));
  for (const [name, schema] of params) {
    const field = el('label', 'jp-narrative-AppParam');
    field.dataset.param = name;
    field.appendChild(el('span', 'jp-narrative-AppFieldLabel', schema.title ?? name));
    const control = createParamField(`param:${name}`, schema, form.params[name], (value) => form.setParam(name, value));
    control.disabled = locked;
    field.appendChild(control);
    const message = errors.get(`param:${name}`);
    if (message) field.appendChild(el('div', 'jp-narrative-AppFieldError', message));
    section.appendChild(field);
  }
  return section;
}

/** Updates the parameters' messages, leaving the controls alone (re-rendering would replace the control being typed in). */
export function updateParamMessages(node: HTMLElement, errors: Map<string, string>): void {
  for (const field of Array.from(node.querySelectorAll<HTMLElement>('.jp-narrative-AppParam'))) {
    const message = errors.get(`param:${field.dataset.param}`);
    let error = field.querySelector('.jp-narrative-AppFieldError');
    if (message && !error) error = field.appendChild(el('div', 'jp-narrative-AppFieldError'));
    if (error) {
      if (message) error.textContent = message;
      else error.remove();
    }
  }
}

/**
 * One form field for a parameter: a select for enums, a checkbox for booleans,
 * a number box for integers and numbers, else a text box. `onChange` gets the
 * typed value (undefined when empty).
 */
export function createParamField(name: string, schema: IParamSchema, value: unknown, onChange: (value: unknown) => void): HTMLInputElement | HTMLSelectElement {
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
