import { Time } from '@jupyterlab/coreutils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { NarrativeClient, Publication } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { el } from '../dom.js';
import type { IChoiceHost, IChoicePanel } from './choices.js';
import { downloadPublication } from './download.js';
import { sizeText } from './progress-line.js';
import { saveBlob } from './save.js';

/** The narrative's notebook as it is open in the lab, whose unsaved changes publishing leaves out. */
export type NotebookContext = NotebookPanel['context'];

/** `sha256:` and the first 12 hex digits: enough to tell publications apart in a list. */
const shortId = (contentId: string): string => `${contentId.slice(0, 'sha256:'.length + 12)}…`;

/**
 * The Publish choice's part of the Export dialog: a warning (with Save) while
 * the open notebook has unsaved changes; one publication shown whole (its
 * content id to copy, version, who and when, its archive to download); and
 * the narrative's publications, newest first, each shown whole on a click.
 * Readers see the list too: reading it needs only read access.
 */
export class PublicationsPanel implements IChoicePanel {
  readonly node = el('div', 'jp-narrative-Publications');
  private readonly unsaved = el('div', 'jp-narrative-PublishUnsaved');
  private readonly shown = el('div', 'jp-narrative-Publication');
  private readonly contentId = el('input', 'jp-narrative-ContentId');
  private readonly meta = el('div', 'jp-narrative-PublicationMeta');
  private readonly message = el('div', 'jp-narrative-PublicationMessage');
  private readonly list = el('ul', 'jp-narrative-PublicationList');
  private publication: Publication | null = null;
  private publications: Publication[] = [];

  constructor(
    private readonly client: NarrativeClient,
    private readonly narrativeId: number,
    private readonly notebook: NotebookContext | null,
    private readonly host: IChoiceHost,
    private readonly trans: TranslationBundle,
  ) {
    const words = el('span', '', trans.__('This notebook has unsaved changes, which publishing leaves out: save them first to publish them.'));
    const save = this.button('jp-narrative-PublishSave', trans.__('Save'), () => {
      this.notebook?.save().catch((error: unknown) => (words.textContent = trans.__('The notebook could not be saved: %1', describeError(error))));
    });
    this.unsaved.append(words, save);

    this.contentId.readOnly = true;
    this.contentId.setAttribute('aria-label', trans.__('Content id'));
    this.message.setAttribute('aria-live', 'polite');
    const idRow = el('div', 'jp-narrative-ContentIdRow');
    idRow.append(this.contentId, this.button('jp-narrative-ContentIdCopy', trans.__('Copy'), () => this.copy()));
    const download = this.button('jp-narrative-PublicationDownload', trans.__('Download this archive'), () => this.download());
    this.shown.append(el('div', 'jp-narrative-SectionTitle', trans.__('Content id')), idRow, this.meta, download, this.message);
    this.shown.hidden = true;

    this.node.append(this.unsaved, this.shown, el('div', 'jp-narrative-SectionTitle', trans.__('Publications of this narrative')), this.list);
    notebook?.model.stateChanged.connect(this.onStateChanged, this);
    this.showUnsaved();
    void this.refresh();
  }

  /** Whether the open notebook has changes publishing would leave out. */
  get hasUnsavedChanges(): boolean {
    return !!this.notebook && !this.notebook.isDisposed && this.notebook.model.dirty;
  }

  /** Whether `contentId` is among the publications last listed. */
  has(contentId: string): boolean {
    return this.publications.some((p) => p.contentId === contentId);
  }

  /** Shows `publication` whole. */
  show(publication: Publication): void {
    const { trans } = this;
    this.publication = publication;
    this.contentId.value = publication.contentId;
    this.meta.textContent = trans.__('Version %1 · published by %2 · %3 · %4', publication.version, publication.publishedBy, Time.format(publication.publishedAt), sizeText(publication.size));
    this.message.textContent = '';
    this.shown.hidden = false;
    this.render();
    // The dialog scrolls when the choices above fill it: the id just asked for must be in sight.
    this.shown.scrollIntoView({ block: 'nearest' });
  }

  /** Lists the narrative's publications again. */
  async refresh(): Promise<void> {
    try {
      this.publications = await this.client.publications(this.narrativeId);
      this.render();
    } catch (error) {
      this.list.replaceChildren(el('li', 'jp-narrative-Message jp-narrative-mod-failed', this.trans.__('The publications could not be listed: %1', describeError(error))));
    }
  }

  dispose(): void {
    if (this.notebook && !this.notebook.isDisposed) this.notebook.model.stateChanged.disconnect(this.onStateChanged, this);
  }

  private render(): void {
    const { trans } = this;
    if (this.publications.length === 0) {
      this.list.replaceChildren(el('li', 'jp-narrative-Message', trans.__('None yet.')));
      return;
    }
    this.list.replaceChildren(...this.publications.map((p) => {
      const item = el('li', 'jp-narrative-PublicationEntry');
      item.dataset.contentId = p.contentId;
      const open = this.button('jp-narrative-PublicationOpen', '', () => this.show(p));
      open.title = p.contentId;
      open.setAttribute('aria-current', String(p.contentId === this.publication?.contentId));
      open.append(el('span', 'jp-narrative-PublicationId', shortId(p.contentId)), el('span', 'jp-narrative-Meta', trans.__('version %1 · %2', p.version, Time.format(p.publishedAt))));
      item.appendChild(open);
      return item;
    }));
  }

  private copy(): void {
    this.contentId.select();
    navigator.clipboard?.writeText(this.contentId.value).then(
      () => (this.message.textContent = this.trans.__('The content id is copied.')),
      () => (this.message.textContent = this.trans.__('Select the content id and copy it.')),
    );
  }

  private download(): void {
    const publication = this.publication;
    if (!publication) return;
    this.host.launch(async ({ bytes, waiting, signal }) => {
      waiting(this.trans.__('Asking for the archive…'));
      const { blob, fileName } = await downloadPublication(this.client, publication, bytes, signal);
      saveBlob(blob, fileName);
      return this.trans.__('Downloaded %1 (%2).', fileName, sizeText(blob.size));
    });
  }

  private onStateChanged(_: unknown, change: { name: string }): void {
    if (change.name === 'dirty') this.showUnsaved();
  }

  private showUnsaved(): void {
    this.unsaved.hidden = !this.hasUnsavedChanges;
  }

  private button(className: string, label: string, onClick: () => void): HTMLButtonElement {
    const button = el('button', `jp-Button jp-mod-styled ${className}`, label);
    button.type = 'button';
    button.addEventListener('click', onClick);
    return button;
  }
}
