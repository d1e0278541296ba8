import type { CodeEditor } from '@jupyterlab/codeeditor';
import { UUID } from '@lumino/coreutils';
import { Signal, type ISignal } from '@lumino/signaling';

type Extension = Parameters<CodeEditor.IEditor['injectExtension']>[0];

const ORIGIN: CodeEditor.IPosition = { line: 0, column: 0 };
const EMPTY_TOKEN: CodeEditor.IToken = { value: '', offset: 0 };

/**
 * The editor of an app cell: its source stays empty and its input area is
 * hidden (the app cell widget is its body), so a CodeMirror editor per cell
 * would cost a narrative of hundreds of app cells their layout and memory for
 * nothing. This one answers what the notebook asks of every cell's editor
 * (focus, cursor, selections, options) as an empty editor would, and makes the
 * real editor only when something needs more of it: any member it does not
 * answer (a search highlighter asks for CodeMirror's own view, say) makes it
 * first, and every later call goes to it.
 */
export class DeferredEditor implements CodeEditor.IEditor {
  readonly host: HTMLElement;
  readonly model: CodeEditor.IModel;
  readonly uuid: string;
  // Private as the language has it: the proxy below hands every public name not of this class to the real editor.
  readonly #creation: CodeEditor.IOptions;
  readonly #factory: CodeEditor.Factory;
  #real: CodeEditor.IEditor | null = null;
  readonly #options: Record<string, unknown> = {};
  readonly #baseOptions: Record<string, unknown> = {};
  readonly #extensions: Extension[] = [];
  readonly #edgeRequested = new Signal<CodeEditor.IEditor, CodeEditor.EdgeLocation>(this);
  #isDisposed = false;

  constructor(creation: CodeEditor.IOptions, factory: CodeEditor.Factory) {
    this.#creation = creation;
    this.#factory = factory;
    this.host = creation.host;
    this.model = creation.model;
    this.uuid = creation.uuid ?? UUID.uuid4();
    // Whatever the interface does not name is the real editor's (CodeMirrorEditor's `editor`, `state`, …).
    // Symbols and `then` (asked of anything awaited) are no reason to make it.
    return new Proxy(this, {
      get: (target, key) => {
        const own = key in target;
        if (!own && (typeof key === 'symbol' || key === 'then')) return undefined;
        const to = own ? target : target.#materialize();
        const value: unknown = Reflect.get(to, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(to) : value;
      },
    });
  }

  /** Whether the real editor was made (something needed more than an empty editor gives). */
  get materialized(): boolean {
    return this.#real !== null;
  }
  get edgeRequested(): ISignal<CodeEditor.IEditor, CodeEditor.EdgeLocation> {
    return this.#edgeRequested;
  }
  get isDisposed(): boolean {
    return this.#isDisposed;
  }
  get lineHeight(): number {
    return this.#materialize().lineHeight;
  }
  get charWidth(): number {
    return this.#materialize().charWidth;
  }
  get lineCount(): number {
    return this.#real?.lineCount ?? this.model.sharedModel.getSource().split('\n').length;
  }

  getOption(option: string): unknown {
    if (this.#real) return this.#real.getOption(option);
    return option in this.#options ? this.#options[option] : option in this.#baseOptions ? this.#baseOptions[option] : (this.#creation.config ?? {})[option];
  }
  setOption(option: string, value: unknown): void {
    if (this.#real) this.#real.setOption(option, value);
    else this.#options[option] = value;
  }
  setOptions(options: Record<string, unknown>): void {
    if (this.#real) this.#real.setOptions(options);
    else Object.assign(this.#options, options);
  }
  setBaseOptions(options: Record<string, unknown>): void {
    if (this.#real) this.#real.setBaseOptions(options);
    else Object.assign(this.#baseOptions, options);
  }
  injectExtension(ext: Extension): void {
    if (this.#real) this.#real.injectExtension(ext);
    else this.#extensions.push(ext);
  }

  getLine(line: number): string | undefined {
    return this.#real ? this.#real.getLine(line) : this.model.sharedModel.getSource().split('\n')[line];
  }
  getOffsetAt(position: CodeEditor.IPosition): number {
    return this.#materialize().getOffsetAt(position);
  }
  getPositionAt(offset: number): CodeEditor.IPosition | undefined {
    return this.#materialize().getPositionAt(offset);
  }
  undo(): void {
    this.#real?.undo();
  }
  redo(): void {
    this.#real?.redo();
  }
  clearHistory(): void {
    this.#real?.clearHistory();
  }
  /** Nothing to focus in a hidden, empty input: the cell itself keeps the focus, as a hidden editor left it. */
  focus(): void {
    this.#real?.focus();
  }
  hasFocus(): boolean {
    return this.#real?.hasFocus() ?? false;
  }
  blur(): void {
    this.#real?.blur();
  }
  revealPosition(position: CodeEditor.IPosition): void {
    this.#real?.revealPosition(position);
  }
  revealSelection(selection: CodeEditor.IRange): void {
    this.#real?.revealSelection(selection);
  }
  getCoordinateForPosition(position: CodeEditor.IPosition): CodeEditor.ICoordinate | null {
    return this.#real?.getCoordinateForPosition(position) ?? null;
  }
  getPositionForCoordinate(coordinate: CodeEditor.ICoordinate): CodeEditor.IPosition | null {
    return this.#real?.getPositionForCoordinate(coordinate) ?? null;
  }
  getTokens(): CodeEditor.IToken[] {
    return this.#real?.getTokens() ?? [];
  }
  getTokenAt(offset: number): CodeEditor.IToken {
    return this.#real?.getTokenAt(offset) ?? EMPTY_TOKEN;
  }
  getTokenAtCursor(): CodeEditor.IToken {
    return this.#real?.getTokenAtCursor() ?? EMPTY_TOKEN;
  }
  newIndentedLine(): void {
    this.#materialize().newIndentedLine();
  }
  replaceSelection(text: string): void {
    this.#materialize().replaceSelection?.(text);
  }

  getCursorPosition(): CodeEditor.IPosition {
    return this.#real?.getCursorPosition() ?? ORIGIN;
  }
  setCursorPosition(position: CodeEditor.IPosition, options?: { scroll?: boolean }): void {
    this.#real?.setCursorPosition(position, options);
  }
  getSelection(): CodeEditor.IRange {
    return this.#real?.getSelection() ?? { start: ORIGIN, end: ORIGIN };
  }
  setSelection(selection: CodeEditor.IRange): void {
    this.#real?.setSelection(selection);
  }
  getSelections(): CodeEditor.IRange[] {
    return this.#real?.getSelections() ?? [{ start: ORIGIN, end: ORIGIN }];
  }
  setSelections(selections: CodeEditor.IRange[]): void {
    this.#real?.setSelections(selections);
  }

  dispose(): void {
    if (this.#isDisposed) return;
    this.#isDisposed = true;
    this.#real?.dispose();
    Signal.clearData(this);
  }

  /** The real editor, made once with the options and extensions given so far. */
  #materialize(): CodeEditor.IEditor {
    if (this.#real) return this.#real;
    const config = { ...(this.#creation.config ?? {}), ...this.#baseOptions, ...this.#options };
    const real = this.#factory({ ...this.#creation, uuid: this.uuid, config, extensions: [...(this.#creation.extensions ?? []), ...this.#extensions] });
    real.edgeRequested.connect((_, location) => this.#edgeRequested.emit(location));
    this.#real = real;
    // Asked after its cell went (a completer letting go of the cell it was on): a disposed editor answers as JupyterLab's own does once disposed.
    if (this.#isDisposed) real.dispose();
    return real;
  }
}
