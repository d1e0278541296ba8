import type { TranslationBundle } from '@jupyterlab/translation';
import { el } from '../dom.js';
import { ActionBody } from './action-body.js';
import type { IChoiceHost, IChoicePanel, IChoiceRun, IExportChoice } from './choices.js';
import { CutOffError } from './download.js';
import { sizeText } from './progress-line.js';

let dialogs = 0;

/**
 * The Export dialog's body: the choices (the formats, each with a line on
 * what it is for and, once a download has told it, its size; publishing),
 * the button of the chosen one, a progress line for its work, which can be
 * cancelled, and under it the chosen choice's own panel, if it has one.
 */
export class ExportBody extends ActionBody implements IChoiceHost {
  private readonly radios = new Map<string, HTMLInputElement>();
  private readonly sizes = new Map<string, HTMLElement>();
  private readonly panels = new Map<string, IChoicePanel>();

  constructor(private readonly choices: IExportChoice[], trans: TranslationBundle) {
    super(trans, trans.__('Export progress'));
    this.addClass('jp-narrative-Export');
    const name = `narrative-export-choice-${++dialogs}`;
    this.fields.appendChild(el('legend', 'jp-narrative-SectionTitle', trans.__('Export or publish')));
    choices.forEach((choice, index) => {
      const row = el('label', 'jp-narrative-ExportChoice');
      row.dataset.choice = choice.id;
      const radio = el('input', 'jp-narrative-ExportChoiceRadio');
      radio.type = 'radio';
      radio.name = name;
      radio.value = choice.id;
      radio.checked = index === 0;
      radio.addEventListener('change', () => this.chosen());
      const words = el('span', 'jp-narrative-ExportChoiceWords');
      const size = el('span', 'jp-narrative-ExportChoiceSize');
      words.append(el('span', 'jp-narrative-ExportChoiceLabel', choice.label), size, el('span', 'jp-narrative-ExportChoiceSummary', choice.summary));
      row.append(radio, words);
      this.fields.appendChild(row);
      this.radios.set(choice.id, radio);
      this.sizes.set(choice.id, size);
      const panel = choice.panel?.(this);
      if (panel) {
        this.panels.set(choice.id, panel);
        this.node.appendChild(panel.node);
      }
    });
    this.chosen();
  }

  launch(work: (run: IChoiceRun) => Promise<string>): void {
    void this.run((signal) => work(this.reporter(null, signal)));
  }

  private get choice(): IExportChoice {
    return this.choices.find((c) => this.radios.get(c.id)?.checked) ?? this.choices[0]!;
  }

  private chosen(): void {
    const { choice } = this;
    this.start.textContent = choice.action;
    this.start.disabled = !this.startAllowed();
    this.note.textContent = choice.unavailable ?? '';
    for (const [id, panel] of this.panels) panel.node.hidden = id !== choice.id;
  }

  protected override startAllowed(): boolean {
    return !this.choice.unavailable;
  }

  protected async perform(signal: AbortSignal): Promise<string> {
    const choice = this.choice;
    this.progress.waiting(this.trans.__('Preparing %1…', choice.label));
    return choice.run(this.reporter(choice, signal));
  }

  /** How work reports: bytes on the bar (and, with a total, its size beside its `choice`), words while it waits. */
  private reporter(choice: IExportChoice | null, signal: AbortSignal): IChoiceRun {
    return {
      signal,
      bytes: ({ done, total }) => {
        if (choice && total !== null) this.sizes.get(choice.id)!.textContent = sizeText(total);
        this.progress.bytes(done, total, (size) => this.trans.__('%1 received', size));
      },
      waiting: (words) => this.progress.waiting(words),
      offerCancel: (offered) => this.offerCancel(offered),
    };
  }

  protected override describe(error: unknown): string {
    if (error instanceof CutOffError) return this.trans.__('The download was cut off after %1 of %2: try again.', sizeText(error.received), sizeText(error.expected));
    // fetch's own failure (the connection, not the server's answer) is a TypeError with a terse message.
    if (error instanceof TypeError) return this.trans.__('The connection to the server failed: %1', error.message);
    return super.describe(error);
  }

  override dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    super.dispose();
  }
}
