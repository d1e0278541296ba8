import type { TranslationBundle } from '@jupyterlab/translation';
import type { Drag } from '@lumino/dragdrop';
import { el } from '../dom.js';
import { OBJECT_MIME, type IObjectDragPayload } from '../tokens.js';
import type { AppCellForm } from './form.js';

/** The inputs section: one field per object input, which takes a drop from the Data panel or a typed ref. */
export function renderInputs(form: AppCellForm, errors: Map<string, string>, locked: boolean, trans: TranslationBundle): HTMLElement | null {
  const inputs = form.spec?.inputs ?? [];
  if (inputs.length === 0) return null;
  const section = el('div', 'jp-narrative-AppInputs');
  section.appendChild(el('div', 'jp-narrative-AppSectionTitle', trans.__('Inputs')));
  for (const input of inputs) {
    const field = el('div', 'jp-narrative-AppInput');
    field.dataset.input = input.name;
    field.appendChild(el('span', 'jp-narrative-AppFieldLabel', `${input.name} (${input.types.join(', ')})`));
    const ref = form.inputs[input.name];
    const value = el('input', 'jp-narrative-AppInputRef');
    value.name = `input:${input.name}`;
    value.placeholder = trans.__('Drop an object from the Data panel, or type its ref');
    value.value = ref ?? '';
    value.disabled = locked;
    value.addEventListener('input', () => form.setInput(input.name, value.value));
    field.appendChild(value);
    const name = ref === undefined ? undefined : form.inputName(ref);
    if (name !== undefined) field.appendChild(el('span', 'jp-narrative-AppInputName', name));
    const refusal = form.inputRefusal(input.name);
    const hint = errors.get(`input:${input.name}`);
    if (refusal) field.appendChild(el('div', 'jp-narrative-AppFieldError jp-mod-refused', refusal));
    else if (hint) field.appendChild(el('div', 'jp-narrative-AppFieldHint', hint));
    section.appendChild(field);
  }
  return section;
}

/** A ref was typed into input `name`: the object name and the refusal shown there were about the previous ref. */
export function clearInput(node: HTMLElement, name: string): void {
  const field = node.querySelector(`.jp-narrative-AppInput[data-input="${CSS.escape(name)}"]`);
  field?.querySelector('.jp-mod-refused')?.remove();
  field?.querySelector('.jp-narrative-AppInputName')?.remove();
}

/** Updates the inputs' hints (a required input still empty), leaving the controls alone. */
export function updateInputHints(node: HTMLElement, errors: Map<string, string>): void {
  for (const field of Array.from(node.querySelectorAll<HTMLElement>('.jp-narrative-AppInput'))) {
    const message = errors.get(`input:${field.dataset.input}`);
    let hint = field.querySelector('.jp-narrative-AppFieldHint');
    if (message && !hint && !field.querySelector('.jp-mod-refused')) hint = field.appendChild(el('div', 'jp-narrative-AppFieldHint'));
    if (hint) {
      if (message) hint.textContent = message;
      else hint.remove();
    }
  }
}

/** Lumino drag events (captured on the cell body) of a Data panel object over an input field: highlight it, and take the object on drop. */
export function handleObjectDrag(event: Event, form: AppCellForm): void {
  const drag = event as Drag.Event;
  const field = (event.target as HTMLElement | null)?.closest?.('.jp-narrative-AppInput') as HTMLElement | null;
  if (!field || !drag.mimeData?.hasData(OBJECT_MIME)) return;
  event.preventDefault();
  event.stopPropagation();
  switch (event.type) {
    case 'lm-dragenter':
      field.classList.add('jp-mod-dropTarget');
      break;
    case 'lm-dragover':
      drag.dropAction = drag.proposedAction === 'none' ? 'none' : 'copy';
      field.classList.add('jp-mod-dropTarget');
      break;
    case 'lm-dragleave':
      field.classList.remove('jp-mod-dropTarget');
      break;
    case 'lm-drop': {
      field.classList.remove('jp-mod-dropTarget');
      const accepted = form.dropInput(field.dataset.input ?? '', drag.mimeData.getData(OBJECT_MIME) as IObjectDragPayload);
      drag.dropAction = accepted ? 'copy' : 'none';
      break;
    }
  }
}
