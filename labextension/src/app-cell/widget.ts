import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { el } from '../dom.js';
import type { AppCellForm } from './form.js';
import { clearInput, handleObjectDrag, renderInputs, updateInputHints } from './inputs-view.js';
import { renderJob, showLog, type OpenObject } from './job-view.js';
import type { AppCellModel } from './model.js';
import { renderParams, updateParamMessages } from './params-view.js';

export namespace AppCellWidget {
  export interface IOptions {
    model: AppCellModel;
    trans: TranslationBundle;
    /** Opens an output's viewer or its provenance. */
    open: OpenObject;
  }
}

/**
 * The body of an app cell, a view of its model: the app's name, the inputs
 * and parameters, Run / Cancel / Retry, and the job's state, live log and
 * outputs. It draws itself again when the model's state changes; typing and
 * log lines update only what they touch.
 */
export class AppCellWidget extends Widget {
  readonly model: AppCellModel;
  private readonly trans: TranslationBundle;
  private readonly open: OpenObject;

  constructor(options: AppCellWidget.IOptions) {
    super();
    this.model = options.model;
    this.trans = options.trans;
    this.open = options.open;
    this.addClass('jp-narrative-AppCellBody');
    for (const type of ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop']) this.node.addEventListener(type, this, true);
    const { model } = this;
    model.stateChanged.connect(this.render, this);
    model.results.outputsChanged.connect(this.render, this);
    model.results.logChanged.connect(this.renderLog, this);
    model.form.inputsChanged.connect(this.inputChanged, this);
    model.form.paramsChanged.connect(this.updateValidity, this);
    this.render();
  }

  /** Drops of Data panel objects onto an input field. */
  handleEvent(event: Event): void {
    handleObjectDrag(event, this.model.form);
  }

  private render(): void {
    const { model, trans, node } = this;
    // A restoring cell stays empty: it renders once, with its job, when restored.
    if (model.state.kind === 'restoring') return;
    const focused = document.activeElement as HTMLInputElement | null;
    const focusedName = focused && node.contains(focused) ? focused.name : '';
    const cell = model.metadata;
    node.replaceChildren();
    const header = el('div', 'jp-narrative-AppCellHeader');
    header.append(el('span', 'jp-narrative-AppCellName', model.app?.spec.name ?? cell.id), el('span', 'jp-narrative-AppCellId', `${cell.id}@${cell.version}`));
    node.appendChild(header);
    if (!model.app) {
      node.appendChild(el('p', 'jp-narrative-Message', model.appError ? trans.__('The app could not be loaded. %1', model.appError) : trans.__('Loading the app…')));
      return;
    }
    const errors = model.form.errors();
    for (const section of [renderInputs(model.form, errors, model.locked, trans), renderParams(model.form, errors, model.locked, trans)]) {
      if (section) node.appendChild(section);
    }
    node.appendChild(this.renderActions());
    if (model.error) node.appendChild(el('p', 'jp-narrative-Message jp-mod-error', model.error));
    const job = model.job;
    if (job) node.append(...renderJob(job, (ref) => model.results.output(ref), trans, this.open));
    this.renderLog();
    if (focusedName) node.querySelector<HTMLElement>(`[name="${CSS.escape(focusedName)}"]`)?.focus();
  }

  private renderActions(): HTMLElement {
    const { model, trans } = this;
    const actions = el('div', 'jp-narrative-AppActions');
    const run = el('button', 'jp-Button jp-mod-styled jp-mod-accept jp-narrative-AppRun', trans.__('Run'));
    run.disabled = !model.canRun;
    if (model.readOnly) run.title = trans.__('Copy this narrative to run it.');
    run.addEventListener('click', () => void model.run());
    actions.appendChild(run);
    if (model.offersCancel) {
      const cancel = el('button', 'jp-Button jp-mod-styled jp-mod-warn jp-narrative-AppCancel', trans.__('Cancel'));
      cancel.disabled = model.busy;
      cancel.addEventListener('click', () => void model.cancel());
      actions.appendChild(cancel);
    }
    if (model.offersRetry) {
      const retry = el('button', 'jp-Button jp-mod-styled jp-narrative-AppRetry', trans.__('Retry'));
      retry.disabled = model.busy;
      retry.addEventListener('click', () => void model.retry());
      actions.appendChild(retry);
    }
    if (model.offersVerify) {
      const verify = el('button', 'jp-Button jp-mod-styled jp-narrative-AppVerify', trans.__('Re-run & verify'));
      verify.title = trans.__('Run this job again from its provenance and compare every output file with these');
      verify.disabled = model.busy;
      verify.addEventListener('click', () => void model.verify());
      actions.appendChild(verify);
    }
    if (model.readOnly) actions.appendChild(el('span', 'jp-narrative-Meta jp-narrative-AppReadOnly', trans.__('Read only: copy this narrative to run it.')));
    return actions;
  }

  private inputChanged(_: AppCellForm, change: AppCellForm.IInputChange): void {
    // A drop (or a refused one) redraws; typing keeps the control being typed in.
    if (!change.typed) return this.render();
    clearInput(this.node, change.name);
    this.updateValidity();
  }

  /** Updates the messages and whether Run is enabled, leaving the controls alone. */
  private updateValidity(): void {
    const errors = this.model.form.errors();
    updateParamMessages(this.node, errors);
    updateInputHints(this.node, errors);
    const run = this.node.querySelector<HTMLButtonElement>('.jp-narrative-AppRun');
    if (run) run.disabled = !this.model.canRun;
  }

  private renderLog(): void {
    showLog(this.node, this.model.results.log);
  }
}
