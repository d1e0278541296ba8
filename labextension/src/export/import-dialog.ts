import type { TranslationBundle } from '@jupyterlab/translation';
import type { Narrative } from '@narrative/server/client';
import { el } from '../dom.js';
import { ActionBody } from './action-body.js';
import type { ImportProgress } from './upload.js';

/** Uploads an archive, reporting progress; what `uploadArchive` does, given by the plugin. */
export type Upload = (archive: File, onProgress: (progress: ImportProgress) => void, signal: AbortSignal) => Promise<Narrative>;

/**
 * The Import dialog's body: an archive file, its upload with a progress
 * bar (cancellable until every byte is sent; then the server checks and
 * imports it whole or not at all), and the server's words when it refuses.
 */
export class ImportBody extends ActionBody {
  private readonly file = el('input', 'jp-narrative-ImportFile');

  constructor(private readonly upload: Upload, private readonly imported: (narrative: Narrative) => void, trans: TranslationBundle) {
    super(trans, trans.__('Import progress'));
    this.addClass('jp-narrative-Import');
    this.file.type = 'file';
    this.file.accept = '.tar,application/x-tar';
    this.file.setAttribute('aria-label', trans.__('Archive'));
    this.fields.append(
      el('p', 'jp-narrative-ImportHelp', trans.__('An offline archive (.tar), made by Export Narrative… here or on another server, becomes a new narrative you own, with all its data. Apps it needs that are not registered here are registered from it, which only developers may do.')),
      this.file,
    );
    this.start.textContent = trans.__('Import');
  }

  protected async perform(signal: AbortSignal): Promise<string> {
    const archive = this.file.files?.[0];
    if (!archive) throw new Error(this.trans.__('Choose an archive (.tar) first.'));
    this.progress.waiting(this.trans.__('Uploading %1…', archive.name));
    const narrative = await this.upload(archive, (progress) => {
      if (progress.phase === 'sending') {
        this.progress.bytes(progress.done, progress.total, (size) => this.trans.__('%1 sent', size));
      } else {
        // Every byte is there: the server imports it whole or not at all, whether or not we wait.
        this.offerCancel(false);
        this.progress.waiting(this.trans.__('Checking the archive and importing it…'));
      }
    }, signal);
    this.imported(narrative);
    return this.trans.__('Imported as "%1".', narrative.title);
  }
}
