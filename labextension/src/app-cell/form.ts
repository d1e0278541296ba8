import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal, type ISignal } from '@lumino/signaling';
import type { AppSpec, ObjectVersion } from '@narrative/server/client';
import type { IObjectDragPayload } from '../tokens.js';
import type { IAppCellMetadata } from './metadata.js';
import { formErrors, withDefaults } from './validation.js';

export namespace AppCellForm {
  export interface IOptions {
    trans: TranslationBundle;
    /** The cell's `narrative.app` metadata, where the inputs and parameters live. */
    read(): IAppCellMetadata;
    write(metadata: IAppCellMetadata): void;
    /** Fetches an object, for its name. */
    getObject(ref: string): Promise<ObjectVersion>;
    /** Whether nothing may change now (a job runs, a request is out, or the narrative is read-only). */
    locked(): boolean;
  }

  /** An input that changed: typed (the view keeps its control) or dropped or refused (the view redraws it). */
  export interface IInputChange {
    readonly name: string;
    readonly typed: boolean;
  }
}

/**
 * An app cell's inputs and parameters: kept in the cell metadata, checked
 * against the app's spec, with the names of the objects given and the reason
 * a dropped object was refused.
 */
export class AppCellForm {
  private _spec: AppSpec | null = null;
  /** object ref → its name, shown under an input */
  private readonly names = new Map<string, string>();
  /** input name → why a dropped object was refused */
  private readonly refusals = new Map<string, string>();
  private readonly _inputsChanged = new Signal<this, AppCellForm.IInputChange>(this);
  private readonly _paramsChanged = new Signal<this, string>(this);

  constructor(private readonly options: AppCellForm.IOptions) {}

  get inputsChanged(): ISignal<this, AppCellForm.IInputChange> {
    return this._inputsChanged;
  }
  /** A parameter changed (its name). */
  get paramsChanged(): ISignal<this, string> {
    return this._paramsChanged;
  }
  /** The app's spec, once loaded. */
  get spec(): AppSpec | null {
    return this._spec;
  }
  get inputs(): Readonly<Record<string, string>> {
    return this.options.read().inputs;
  }
  get params(): Readonly<Record<string, unknown>> {
    return this.options.read().params;
  }

  /** The app is known: defaults fill the parameters the cell has not set yet. */
  setSpec(spec: AppSpec): void {
    this._spec = spec;
    const cell = this.options.read();
    this.options.write({ ...cell, params: withDefaults(spec, cell.params) });
  }

  /** Fetches the names of the objects given (a dropped object brings its own; a restored cell asks). */
  async describeInputs(): Promise<void> {
    await Promise.all(Object.values(this.inputs).filter((ref) => !this.names.has(ref)).map((ref) =>
      this.options.getObject(ref).then((o) => void this.names.set(ref, o.name), () => undefined)));
  }

  /** What keeps the cell from running, by field (`param:<name>`, `input:<name>`); nothing before the app is known. */
  errors(): Map<string, string> {
    return this._spec ? formErrors(this._spec, this.options.read(), this.options.trans) : new Map();
  }
  inputName(ref: string): string | undefined {
    return this.names.get(ref);
  }
  inputRefusal(name: string): string | undefined {
    return this.refusals.get(name);
  }

  /** Sets an input to a typed ref (empty: none). */
  setInput(name: string, ref: string): void {
    if (this.options.locked()) return;
    const cell = this.options.read();
    const inputs = { ...cell.inputs };
    if (ref.trim()) inputs[name] = ref.trim();
    else delete inputs[name];
    this.options.write({ ...cell, inputs });
    this.refusals.delete(name);
    this._inputsChanged.emit({ name, typed: true });
  }

  /** Sets an input to a dropped object, or refuses it (with a message on the input) when its type does not fit. */
  dropInput(name: string, object: IObjectDragPayload): boolean {
    const input = this._spec?.inputs.find((i) => i.name === name);
    if (!input || this.options.locked()) return false;
    const fits = input.types.includes(object.type);
    if (fits) {
      this.refusals.delete(name);
      const cell = this.options.read();
      this.options.write({ ...cell, inputs: { ...cell.inputs, [name]: object.ref } });
      this.names.set(object.ref, object.name);
    } else {
      this.refusals.set(name, this.options.trans.__('%1 is a %2; this input takes %3.', object.name, object.type, input.types.join(', ')));
    }
    this._inputsChanged.emit({ name, typed: false });
    return fits;
  }

  /** Sets a parameter (undefined: none). */
  setParam(name: string, value: unknown): void {
    if (this.options.locked()) return;
    const cell = this.options.read();
    const params = { ...cell.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    this.options.write({ ...cell, params });
    this._paramsChanged.emit(name);
  }

  dispose(): void {
    Signal.clearData(this);
  }
}
