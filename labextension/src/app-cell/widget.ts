import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { el } from '../dom.js';
import type { AppCellForm } from './form.js';
import { renderRunInfo, renderRuns, renderShownJob } from './history-view.js';
import { clearInput, handleObjectDrag, renderInputs, updateInputHints } from './inputs-view.js';
import { renderJob, showLog, type OpenObject } from './job-view.js';
import type { AppCellModel } from './model.js';
import { renderParams, updateParamMessages } from './params-view.js';
import type { JobResults } from './results.js';

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
 * and parameters, Run / Cancel / Retry, the cell's runs, and the state, log
 * and outputs of the run shown (the latest, live, unless an earlier one was
 * picked). It draws itself again when the model's state changes; typing, log
 * lines and the run history update only what they touch.
 */
export class AppCellWidget extends Widget {
  readonly model: AppCellModel;
  private readonly trans: TranslationBundle;
  private readonly open: OpenObject;
  /** The runs list and the run shown: kept across renders, redrawn on their own. */
  private readonly runsNode = el('div', 'jp-narrative-Runs');
  private readonly shownNode = el('div', 'jp-narrative-RunDetail');
  private visibility: IntersectionObserver | null = null;
  /** The cell has been on screen: its runs are listed once it is restored. */
  private onScreen = false;
  private historyAsked = false;
  /** What the run shown was drawn for (see shownKey). */
  private drawnKey = '';

  constructor(options: AppCellWidget.IOptions) {
    super();
    this.model = options.model;
    this.trans = options.trans;
    this.open = options.open;
    this.addClass('jp-narrative-AppCellBody');
    for (const type of ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop']) this.node.addEventListener(type, this, true);
    const { model } = this;
    model.stateChanged.connect(this.render, this);
    model.history.changed.connect(this.renderHistory, this);
    for (const results of [model.results, model.history.results]) {
      results.outputsChanged.connect(this.outputsChanged, this);
      results.logChanged.connect(this.logChanged, this);
    }
    model.form.inputsChanged.connect(this.inputChanged, this);
    model.form.paramsChanged.connect(this.updateValidity, this);
    // The runs are listed once the cell is first on screen: a narrative of hundreds of cells does not ask for all at once.
    if (typeof IntersectionObserver === 'function') {
      this.visibility = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        this.stopWatching();
        this.onScreen = true;
        this.listRuns();
      }, { rootMargin: '200px' });
      this.visibility.observe(this.node);
    } else this.onScreen = true;
    this.render();
  }

  override dispose(): void {
    this.stopWatching();
    super.dispose();
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
      const message = model.appPending ? trans.__('Waiting for the app. %1', model.appError ?? '') : model.appError ? trans.__('The app could not be loaded. %1', model.appError) : trans.__('Loading the app…');
      node.appendChild(el('p', 'jp-narrative-Message', message));
      return;
    }
    const errors = model.form.errors();
    for (const section of [renderInputs(model.form, errors, model.locked, trans), renderParams(model.form, errors, model.locked, trans)]) {
      if (section) node.appendChild(section);
    }
    node.appendChild(this.renderActions());
    if (model.error) node.appendChild(el('p', 'jp-narrative-Message jp-mod-error', model.error));
    node.append(this.runsNode, this.shownNode);
    renderRuns(this.runsNode, model.history, trans, this.open);
    this.renderShown();
    this.listRuns();
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

  /** The log and outputs of the run shown: the cell's job's, or the earlier run's picked in the list. */
  private get shownResults(): JobResults {
    return this.model.history.shownJob ? this.model.history.results : this.model.results;
  }

  private outputsChanged(sender: JobResults): void {
    if (sender === this.shownResults) this.renderShown();
  }

  private logChanged(sender: JobResults): void {
    if (sender === this.shownResults) this.renderLog();
  }

  /** The runs listed, or the run shown, changed: the list is drawn again, and the run shown when what it shows changed. */
  private renderHistory(): void {
    if (this.model.state.kind === 'restoring') return;
    renderRuns(this.runsNode, this.model.history, this.trans, this.open);
    if (this.shownKey() !== this.drawnKey) this.renderShown();
  }

  /** Which job the cell shows, and the attempts listed with it: a page of older runs changes neither. */
  private shownKey(): string {
    const { history } = this.model;
    const job = history.shownJob ?? this.model.job;
    const run = job ? history.runOf(job.id) : undefined;
    return JSON.stringify([history.shownJob?.id ?? null, job?.id ?? null, run?.attempts.map((a) => [a.id, a.state]) ?? []]);
  }

  /** The run shown: the latest (the cell's job, followed live), or an earlier run or attempt picked, with Latest to go back. */
  private renderShown(): void {
    const { model, trans, shownNode } = this;
    const earlier = model.history.shownJob;
    const job = earlier ?? model.job;
    const results = this.shownResults;
    this.drawnKey = this.shownKey();
    shownNode.replaceChildren();
    if (earlier) shownNode.appendChild(renderShownJob(earlier, model.history, trans));
    if (job) {
      const [status, ...rest] = renderJob(job, (ref) => results.output(ref), trans, this.open);
      shownNode.append(status!, ...renderRunInfo(job, model.history, trans), ...rest);
    }
    this.renderLog();
  }

  private renderLog(): void {
    showLog(this.shownNode, this.shownResults.log);
  }

  /**
   * Lists the runs once: after the model is restored (the cell's job leads a
   * reader's history), once on screen, and once the cell has a job at all (a
   * cell that never ran has no runs, and a narrative may hold hundreds).
   */
  private listRuns(): void {
    if (this.historyAsked || !this.onScreen || this.model.job === null) return;
    this.historyAsked = true;
    void this.model.history.load();
  }

  private stopWatching(): void {
    this.visibility?.disconnect();
    this.visibility = null;
  }
}
