import { formatFileSize } from '@jupyterlab/filebrowser';
import type { TranslationBundle } from '@jupyterlab/translation';
import { el } from '../dom.js';

/** What a progress line shows: nothing yet, a transfer under way, or how it ended. */
export type ProgressState = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

/** A size in the file browser's words (1024-based, one decimal). */
export const sizeText = (bytes: number): string => formatFileSize(bytes, 1, 1024);

/**
 * A progress bar with one line of words under it. The bar is determinate
 * when the total is known (bytes of total) and indeterminate otherwise; the
 * node's `data-state` says where the transfer is.
 */
export class ProgressLine {
  readonly node = el('div', 'jp-narrative-Progress');
  private readonly bar = el('progress', 'jp-narrative-ProgressBar');
  private readonly text = el('div', 'jp-narrative-ProgressText');

  constructor(private readonly trans: TranslationBundle, label: string) {
    this.bar.setAttribute('aria-label', label);
    this.text.setAttribute('aria-live', 'polite');
    this.node.append(this.bar, this.text);
    this.show('idle', '');
  }

  /** Under way without a measure yet: the server preparing, checking, importing. */
  waiting(words: string): void {
    this.bar.removeAttribute('value');
    this.show('running', words);
  }

  /** Bytes moved so far: `received` says how the words put it when there is no total. */
  bytes(done: number, total: number | null, received: (size: string) => string): void {
    if (total === null) {
      this.bar.removeAttribute('value');
      this.show('running', received(sizeText(done)));
      return;
    }
    this.bar.max = Math.max(total, 1);
    this.bar.value = Math.min(done, total);
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    this.show('running', this.trans.__('%1 of %2 (%3%)', sizeText(done), sizeText(total), percent));
  }

  /** How it ended; a done bar is full, a failed or cancelled one stays where it stopped. */
  end(state: 'done' | 'failed' | 'cancelled', words: string): void {
    if (state === 'done' || !this.bar.hasAttribute('value')) {
      this.bar.max = 1;
      this.bar.value = state === 'done' ? 1 : 0;
    }
    this.show(state, words);
  }

  private show(state: ProgressState, words: string): void {
    this.node.dataset.state = state;
    this.node.hidden = state === 'idle';
    this.text.textContent = words;
  }
}
