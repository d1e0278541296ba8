import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { describeError } from '../client/client.js';
import { el } from '../dom.js';
import { isAbort } from './download.js';
import { ProgressLine } from './progress-line.js';

/**
 * The body of a dialog that does its work in place (a download, an upload)
 * and stays open while it does: a form whose own button starts the work, a
 * Cancel button while it runs, and a progress line that ends in words. The
 * dialog's footer only closes it, and closing it cancels what is running.
 */
export abstract class ActionBody extends Widget {
  protected readonly form = el('form', 'jp-narrative-ActionForm');
  /** The inputs to keep still while the work runs. */
  protected readonly fields = el('fieldset', 'jp-narrative-ActionFields');
  protected readonly start = el('button', 'jp-Button jp-mod-styled jp-mod-accept jp-narrative-ActionStart');
  /** Words beside the buttons: why the start button cannot be pressed, say. */
  protected readonly note = el('span', 'jp-narrative-ActionNote');
  private readonly cancel = el('button', 'jp-Button jp-mod-styled jp-mod-reject jp-narrative-ActionCancel');
  protected readonly progress: ProgressLine;
  private running: AbortController | null = null;

  constructor(protected readonly trans: TranslationBundle, progressLabel: string) {
    super();
    this.addClass('jp-narrative-ActionBody');
    this.start.type = 'submit';
    this.cancel.type = 'button';
    this.cancel.textContent = trans.__('Cancel');
    this.cancel.hidden = true;
    this.cancel.addEventListener('click', () => this.running?.abort());
    this.progress = new ProgressLine(trans, progressLabel);
    const buttons = el('div', 'jp-narrative-ActionButtons');
    buttons.append(this.start, this.cancel, this.note);
    this.form.append(this.fields, buttons, this.progress.node);
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.run();
    });
    this.node.appendChild(this.form);
  }

  /** Does the work, reporting on `progress`; answers the words to end with. Rejects with an AbortError once `signal` aborts. */
  protected abstract perform(signal: AbortSignal): Promise<string>;

  /** A failure in words: the server's problem, as everywhere in the lab. */
  protected describe(error: unknown): string {
    return describeError(error);
  }

  /** Whether the start button may be pressed once nothing runs. */
  protected startAllowed(): boolean {
    return true;
  }

  /** Offers Cancel while the work runs, or withdraws it once cancelling would no longer undo anything. */
  protected offerCancel(offered: boolean): void {
    this.cancel.hidden = !offered || this.running === null;
  }

  /**
   * Does `work` (the start button's, unless another is given) as this body's
   * one action: Cancel while it runs, its end in words on the progress line.
   * Nothing happens while another runs.
   */
  protected async run(perform: (signal: AbortSignal) => Promise<string> = (signal) => this.perform(signal)): Promise<void> {
    if (this.running) return;
    const controller = (this.running = new AbortController());
    this.busy(true);
    // Cancel shows at once, even while the work still waits for the server to answer.
    const cancelled = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
    const work = perform(controller.signal);
    work.catch(() => undefined);
    try {
      this.progress.end('done', await Promise.race([work, cancelled]));
    } catch (error) {
      if (controller.signal.aborted || isAbort(error)) this.progress.end('cancelled', this.trans.__('Cancelled.'));
      else this.progress.end('failed', this.describe(error));
    } finally {
      this.running = null;
      this.busy(false);
    }
  }

  private busy(busy: boolean): void {
    this.fields.disabled = busy;
    this.start.disabled = busy || !this.startAllowed();
    this.cancel.hidden = !busy;
  }

  protected override onAfterAttach(): void {
    // Before the dialog's own handler, which takes Enter anywhere in it for its default button (Close).
    document.addEventListener('keydown', this.onEnter, true);
  }

  protected override onBeforeDetach(): void {
    document.removeEventListener('keydown', this.onEnter, true);
    this.running?.abort();
  }

  override dispose(): void {
    this.running?.abort();
    super.dispose();
  }

  private readonly onEnter = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (event.key !== 'Enter' || !target || !this.node.contains(target)) return;
    event.preventDefault();
    event.stopPropagation();
    // A button does what it says; a field of the form starts the work; a field outside it (one to copy from) does nothing.
    if (target instanceof HTMLButtonElement) target.click();
    else if (this.form.contains(target)) this.form.requestSubmit();
  };
}
