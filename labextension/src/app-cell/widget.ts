import type { TranslationBundle } from '@jupyterlab/translation';
import type { AppVersion, Job, NarrativeClient, ObjectVersion } from '@narrative/server/client';
import { Widget } from '@lumino/widgets';
import type { Drag } from '@lumino/dragdrop';
import { describeError } from '../client/client.js';
import { OBJECT_MIME, type IObjectDragPayload } from '../tokens.js';
import { createParamField, validateParam, type IParamSchema } from './form.js';
import { JobFollower, type JobChange } from './job-follower.js';
import { describeJobState } from './job-state.js';
import { FINAL_STATES, type IAppCellState } from './metadata.js';
import { el } from '../dom.js';
import { renderSummary } from '../viewers/summary.js';

/** Where the widget reads and writes its state (the cell's metadata) and what it needs from the lab. */
export interface IAppCellHost {
  client: NarrativeClient;
  trans: TranslationBundle;
  read(): IAppCellState;
  write(state: IAppCellState): void;
  /** The workspace of the narrative the cell belongs to. */
  wsid(): Promise<number>;
  /** Called when a job completed (the Data panel refreshes). */
  completed(): void;
  /** Whether the user may only read this narrative: then nothing runs or changes here. */
  readOnly(): boolean;
  /** Opens an object's viewer or its provenance in the main area. */
  open(what: 'object' | 'provenance', ref: string): void;
  /** The cell's own id, recorded with a job it starts (a pasted copy has another). */
  cellId(): string;
}

function requestId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  return `req-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}


/**
 * The body of an app cell: inputs that take Data panel objects, the parameter
 * form, Run / Cancel / Retry, the job's state, its live log and its outputs.
 */
export class AppCellWidget extends Widget {
  private app: AppVersion | null = null;
  private readonly follower: JobFollower;
  private busy = false;
  private pendingRequestId: string | null = null;
  private inputMessages = new Map<string, string>();
  /** The workspace of the narrative this cell is in (null until known, or when it cannot be). */
  private narrativeWsid: number | null = null;
  /** object ref → its name, shown under an input */
  private inputNames = new Map<string, string>();
  private outputInfo = new Map<string, ObjectVersion>();
  private loadError: string | null = null;

  constructor(private readonly host: IAppCellHost) {
    super();
    this.follower = new JobFollower(host.client, (change) => void this.jobChanged(change));
    this.addClass('jp-narrative-AppCellBody');
    this.node.addEventListener('lm-dragenter', this, true);
    this.node.addEventListener('lm-dragover', this, true);
    this.node.addEventListener('lm-dragleave', this, true);
    this.node.addEventListener('lm-drop', this, true);
    void this.load();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.follower.dispose();
    super.dispose();
  }

  private get trans(): TranslationBundle {
    return this.host.trans;
  }

  private async load(): Promise<void> {
    const state = this.host.read();
    const { client } = this.host;
    // The cell's job is fetched along with the app; a failure shows when the follower asks again.
    const job = state.jobId === undefined ? null : client.job(state.jobId).catch(() => null);
    const wsid = this.host.wsid().catch(() => null);
    // The inputs show their objects' names (a dropped object brings its own; a restored cell asks).
    const names = Promise.all(Object.values(state.inputs).filter((ref) => !this.inputNames.has(ref)).map((ref) =>
      client.getObject(ref).then((o) => void this.inputNames.set(ref, o.name), () => undefined)));
    try {
      this.app = await client.app(state.id, state.version);
    } catch (error) {
      this.loadError = describeError(error);
    }
    if (this.isDisposed) return;
    if (this.app) {
      // Defaults fill params the cell has not set yet.
      const params = { ...state.params };
      for (const [name, schema] of Object.entries(this.app.spec.params.properties as Record<string, IParamSchema>)) {
        if (params[name] === undefined && schema.default !== undefined) params[name] = schema.default;
      }
      this.host.write({ ...state, params });
    }
    const finished = await job;
    await names;
    this.narrativeWsid = await wsid;
    if (this.isDisposed) return;
    if (finished && FINAL_STATES.has(finished.state)) {
      // A finished job (the usual case when a narrative opens) renders once, with its log and outputs
      // fetched together: a narrative may restore hundreds of cells, and each render costs a layout.
      const outputs = Promise.all((finished.outputs ?? []).map((ref) => client.getObject(ref).then((o) => void this.outputInfo.set(ref, o), () => undefined)));
      const log = await client.jobLog(finished.id).then(({ lines }) => lines.map((l) => l.text), () => []);
      await outputs;
      if (this.isDisposed) return;
      this.follower.show(finished, log);
      this.saveJob();
      this.render();
      return;
    }
    // A job still running shows (and locks Run) before its stream connects.
    if (finished) this.follower.show(finished, []);
    this.render();
    if (state.jobId !== undefined) await this.follow(state.jobId, true);
  }

  private get job(): Job | null {
    return this.follower.job;
  }

  /** Follows a job (a restored one, or one just started: then its outputs so far are forgotten). */
  private async follow(jobId: number, restored: boolean): Promise<void> {
    if (!restored) {
      this.outputInfo.clear();
      this.host.write({ ...this.host.read(), jobId, cellId: this.host.cellId() });
    }
    try {
      await this.follower.follow(jobId, restored);
    } catch (error) {
      this.loadError = describeError(error);
      this.render();
      return;
    }
    if (this.job && FINAL_STATES.has(this.job.state)) await this.loadOutputs();
  }

  private async jobChanged(change: JobChange): Promise<void> {
    if (this.isDisposed) return;
    if (change === 'log') {
      this.renderLog();
      return;
    }
    this.saveJob();
    if (change === 'ended') {
      await this.loadOutputs();
      if (this.job?.state === 'completed') this.host.completed();
    }
    this.render();
  }

  private async loadOutputs(): Promise<void> {
    for (const ref of this.job?.outputs ?? []) {
      if (this.outputInfo.has(ref)) continue;
      try {
        this.outputInfo.set(ref, await this.host.client.getObject(ref));
      } catch {
        // Shown by ref only.
      }
    }
    this.render();
  }

  private saveJob(): void {
    if (!this.job) return;
    const state = this.host.read();
    this.host.write({ ...state, jobId: this.job.id, state: this.job.state, outputs: this.job.outputs ?? undefined });
  }

  // ---- drops of Data panel objects onto an input field -------------------------------------

  handleEvent(event: Event): void {
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
        const payload = drag.mimeData.getData(OBJECT_MIME) as IObjectDragPayload;
        const accepted = this.setInput(field.dataset.input ?? '', payload);
        drag.dropAction = accepted ? 'copy' : 'none';
        break;
      }
    }
  }

  /** Sets an input to a dropped object, or refuses it (with a message on the field) when its type does not fit. */
  setInput(name: string, object: IObjectDragPayload): boolean {
    const input = this.app?.spec.inputs.find((i) => i.name === name);
    if (!input || this.running || this.host.readOnly()) return false;
    if (!input.types.includes(object.type)) {
      this.inputMessages.set(name, this.trans.__('%1 is a %2; this input takes %3.', object.name, object.type, input.types.join(', ')));
      this.render();
      return false;
    }
    this.inputMessages.delete(name);
    const state = this.host.read();
    this.host.write({ ...state, inputs: { ...state.inputs, [name]: object.ref } });
    this.inputNames.set(object.ref, object.name);
    this.render();
    return true;
  }


  // ---- run, cancel, retry -----------------------------------------------------------------

  private get running(): boolean {
    return this.follower.running;
  }

  private errors(): Map<string, string> {
    const errors = new Map<string, string>();
    if (!this.app) return errors;
    const state = this.host.read();
    const required = new Set(this.app.spec.params.required ?? []);
    for (const [name, schema] of Object.entries(this.app.spec.params.properties as Record<string, IParamSchema>)) {
      const message = validateParam(schema, state.params[name], required.has(name), this.trans);
      if (message) errors.set(`param:${name}`, message);
    }
    for (const input of this.app.spec.inputs) {
      if (input.required && !state.inputs[input.name]) errors.set(`input:${input.name}`, this.trans.__('Drop a %1 object here.', input.types.join(' or ')));
    }
    return errors;
  }

  private async run(): Promise<void> {
    if (this.busy || this.running || this.host.readOnly() || !this.app || this.errors().size > 0) return;
    this.loadError = null;
    await this.whileBusy(async () => {
      const state = this.host.read();
      // One id per intended run: a double click or a repeated request returns the same job.
      this.pendingRequestId ??= requestId();
      const ws = await this.host.wsid();
      const job = await this.host.client.run({ app: state.id, version: state.version, ws: String(ws), inputs: state.inputs, params: state.params, clientRequestId: this.pendingRequestId });
      this.pendingRequestId = null;
      await this.startFollowing(job.id);
    });
  }

  /** Run, Cancel and Retry: the buttons lock while the request is out, and a failure shows under them. */
  private async whileBusy(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.render();
    try {
      await work();
    } catch (error) {
      this.loadError = describeError(error);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  /** A job just started (run or retried): the buttons unlock, and the cell follows it. */
  private startFollowing(jobId: number): Promise<void> {
    this.busy = false;
    return this.follow(jobId, false);
  }

  /**
   * Whether Cancel and Retry apply: not for a reader, and not to a job of
   * another workspace (a copied narrative's cells show the original's jobs;
   * acting on those would touch the original). Run makes a new job here.
   */
  private get ownsJob(): boolean {
    return !!this.job && !this.host.readOnly() && this.narrativeWsid !== null && this.job.wsid === this.narrativeWsid;
  }

  private async act(action: 'cancel' | 'retry'): Promise<void> {
    const job = this.job;
    if (!job || this.busy || !this.ownsJob) return;
    await this.whileBusy(async () => {
      if (action === 'cancel') this.follower.update(await this.host.client.cancelJob(job.id));
      else await this.startFollowing((await this.host.client.retryJob(job.id)).id);
    });
  }

  // ---- rendering ------------------------------------------------------------------------------

  private render(): void {
    const { trans } = this;
    const state = this.host.read();
    const node = this.node;
    const focusedName = (document.activeElement as HTMLInputElement | null)?.name;
    const focusedInForm = focusedName && node.contains(document.activeElement);
    node.replaceChildren();

    const header = el('div', 'jp-narrative-AppCellHeader');
    header.append(el('span', 'jp-narrative-AppCellName', this.app?.spec.name ?? state.id), el('span', 'jp-narrative-AppCellId', `${state.id}@${state.version}`));
    node.appendChild(header);
    if (!this.app) {
      node.appendChild(el('p', 'jp-narrative-Message', this.loadError ? trans.__('The app could not be loaded. %1', this.loadError) : trans.__('Loading the app…')));
      return;
    }
    const errors = this.errors();
    const readOnly = this.host.readOnly();
    const locked = this.running || this.busy || readOnly;

    if (this.app.spec.inputs.length > 0) {
      const inputs = el('div', 'jp-narrative-AppInputs');
      inputs.appendChild(el('div', 'jp-narrative-AppSectionTitle', trans.__('Inputs')));
      for (const input of this.app.spec.inputs) {
        const field = el('div', 'jp-narrative-AppInput');
        field.dataset.input = input.name;
        field.appendChild(el('span', 'jp-narrative-AppFieldLabel', `${input.name} (${input.types.join(', ')})`));
        const ref = state.inputs[input.name];
        const value = el('input', 'jp-narrative-AppInputRef');
        value.name = `input:${input.name}`;
        value.placeholder = trans.__('Drop an object from the Data panel, or type its ref');
        value.value = ref ?? '';
        value.disabled = locked;
        value.addEventListener('input', () => {
          const s = this.host.read();
          const inputsNow = { ...s.inputs };
          if (value.value.trim()) inputsNow[input.name] = value.value.trim();
          else delete inputsNow[input.name];
          this.host.write({ ...s, inputs: inputsNow });
          this.inputMessages.delete(input.name);
          field.querySelector('.jp-mod-refused')?.remove();
          field.querySelector('.jp-narrative-AppInputName')?.remove();
          this.updateValidity();
        });
        field.appendChild(value);
        if (ref && this.inputNames.has(ref)) field.appendChild(el('span', 'jp-narrative-AppInputName', this.inputNames.get(ref)));
        const message = this.inputMessages.get(input.name);
        if (message) field.appendChild(el('div', 'jp-narrative-AppFieldError jp-mod-refused', message));
        else if (errors.has(`input:${input.name}`)) field.appendChild(el('div', 'jp-narrative-AppFieldHint', errors.get(`input:${input.name}`)));
        inputs.appendChild(field);
      }
      node.appendChild(inputs);
    }

    const properties = Object.entries(this.app.spec.params.properties as Record<string, IParamSchema>);
    if (properties.length > 0) {
      const form = el('div', 'jp-narrative-AppParams');
      form.appendChild(el('div', 'jp-narrative-AppSectionTitle', trans.__('Parameters')));
      for (const [name, schema] of properties) {
        const field = el('label', 'jp-narrative-AppParam');
        field.dataset.param = name;
        field.appendChild(el('span', 'jp-narrative-AppFieldLabel', schema.title ?? name));
        const control = createParamField(`param:${name}`, schema, state.params[name], (v) => {
          const s = this.host.read();
          const params = { ...s.params };
          if (v === undefined) delete params[name];
          else params[name] = v;
          this.host.write({ ...s, params });
          // Only the messages and Run change: re-rendering would replace the control being typed in.
          this.updateValidity();
        });
        (control as HTMLInputElement).disabled = locked;
        field.appendChild(control);
        if (errors.has(`param:${name}`)) field.appendChild(el('div', 'jp-narrative-AppFieldError', errors.get(`param:${name}`)));
        form.appendChild(field);
      }
      node.appendChild(form);
    }

    const actions = el('div', 'jp-narrative-AppActions');
    const run = el('button', 'jp-Button jp-mod-styled jp-mod-accept jp-narrative-AppRun', trans.__('Run'));
    run.disabled = locked || errors.size > 0;
    if (readOnly) run.title = trans.__('Copy this narrative to run it.');
    run.addEventListener('click', () => void this.run());
    actions.appendChild(run);
    if (this.running && this.ownsJob) {
      const cancel = el('button', 'jp-Button jp-mod-styled jp-mod-warn jp-narrative-AppCancel', trans.__('Cancel'));
      cancel.disabled = this.busy;
      cancel.addEventListener('click', () => void this.act('cancel'));
      actions.appendChild(cancel);
    }
    if (this.job && this.ownsJob && (this.job.state === 'failed' || this.job.state === 'cancelled')) {
      const retry = el('button', 'jp-Button jp-mod-styled jp-narrative-AppRetry', trans.__('Retry'));
      retry.disabled = this.busy;
      retry.addEventListener('click', () => void this.act('retry'));
      actions.appendChild(retry);
    }
    if (readOnly) actions.appendChild(el('span', 'jp-narrative-Meta jp-narrative-AppReadOnly', trans.__('Read only: copy this narrative to run it.')));
    node.appendChild(actions);
    if (this.loadError) node.appendChild(el('p', 'jp-narrative-Message jp-mod-error', this.loadError));

    if (this.job) {
      const status = el('div', 'jp-narrative-AppState');
      status.dataset.state = this.job.state;
      status.textContent = describeJobState(this.job, trans);
      node.appendChild(status);
      // Laid out bottom up, the log shows its newest lines without a scroll (reading scrollHeight would force a layout per cell).
      const log = el('div', 'jp-narrative-AppLog');
      log.appendChild(el('pre', 'jp-narrative-AppLogText'));
      node.appendChild(log);
      this.renderLog();
      if (this.job.state === 'completed' && this.job.outputs) {
        const outputs = el('ul', 'jp-narrative-AppOutputs');
        for (const ref of this.job.outputs) outputs.appendChild(this.renderOutput(ref));
        node.appendChild(el('div', 'jp-narrative-AppSectionTitle', trans.__('Outputs')));
        node.appendChild(outputs);
      }
    }
    if (focusedInForm) (node.querySelector(`[name="${CSS.escape(focusedName)}"]`) as HTMLElement | null)?.focus();
  }

  /** One output: its name, type and ref, a picture of its data for its type, and links to its viewer and provenance. */
  private renderOutput(ref: string): HTMLElement {
    const { trans } = this;
    const object = this.outputInfo.get(ref);
    const item = el('li', 'jp-narrative-AppOutput');
    item.dataset.ref = ref;
    const title = el('div', 'jp-narrative-AppOutputTitle');
    title.append(el('span', 'jp-narrative-AppOutputName', object?.name ?? ref), el('span', 'jp-narrative-Meta', object ? `${object.type} · ${ref}` : ''));
    for (const [what, label] of [['object', trans.__('Open')], ['provenance', trans.__('Provenance')]] as const) {
      const link = el('button', `jp-Button jp-mod-styled jp-narrative-AppOutputLink jp-narrative-AppOutput-${what}`, label);
      link.addEventListener('click', () => this.host.open(what, ref));
      title.appendChild(link);
    }
    item.appendChild(title);
    if (object) item.appendChild(renderSummary(object, trans));
    return item;
  }

  /** Updates the parameter messages and whether Run is enabled, leaving the controls alone. */
  private updateValidity(): void {
    const errors = this.errors();
    for (const field of Array.from(this.node.querySelectorAll<HTMLElement>('.jp-narrative-AppParam'))) {
      const message = errors.get(`param:${field.dataset.param}`);
      let error = field.querySelector('.jp-narrative-AppFieldError');
      if (message && !error) error = field.appendChild(el('div', 'jp-narrative-AppFieldError'));
      if (error) {
        if (message) error.textContent = message;
        else error.remove();
      }
    }
    for (const field of Array.from(this.node.querySelectorAll<HTMLElement>('.jp-narrative-AppInput'))) {
      const message = errors.get(`input:${field.dataset.input}`);
      let hint = field.querySelector('.jp-narrative-AppFieldHint');
      if (message && !hint && !field.querySelector('.jp-mod-refused')) hint = field.appendChild(el('div', 'jp-narrative-AppFieldHint'));
      if (hint) {
        if (message) hint.textContent = message;
        else hint.remove();
      }
    }
    const run = this.node.querySelector<HTMLButtonElement>('.jp-narrative-AppRun');
    if (run) run.disabled = this.running || this.busy || this.host.readOnly() || errors.size > 0;
  }

  private renderLog(): void {
    const log = this.node.querySelector<HTMLElement>('.jp-narrative-AppLog');
    if (!log) return;
    const lines = this.follower.log;
    log.firstElementChild!.textContent = lines.join('\n');
    log.hidden = lines.length === 0;
  }

}
