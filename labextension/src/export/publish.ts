import type { TranslationBundle } from '@jupyterlab/translation';
import type { Narrative, NarrativeClient } from '@narrative/server/client';
import type { IChoiceHost, IChoiceRun, IExportChoice } from './choices.js';
import { PublicationsPanel, type NotebookContext } from './publications-panel.js';

/**
 * Publish, a choice of the Export dialog: the server freezes the saved
 * notebook version's offline archive under a content id (the sha256 of its
 * manifest), which the panel then shows with the narrative's publications.
 * Publishing is for those who may share the narrative, as the server
 * decides; anyone who reads it sees its publications.
 */
export class PublishChoice implements IExportChoice {
  readonly id = 'publish';
  readonly label: string;
  readonly summary: string;
  readonly action: string;
  readonly unavailable: string | null;
  private view: PublicationsPanel | null = null;

  constructor(private readonly client: NarrativeClient, private readonly narrative: Narrative, private readonly notebook: NotebookContext | null, private readonly trans: TranslationBundle) {
    this.label = trans.__('Publish a citable version');
    this.summary = trans.__('Freezes the saved version here, with its data and app images, under a content id that names every byte. Unsaved changes are not included.');
    this.action = trans.__('Publish');
    this.unavailable = narrative.published
      ? trans.__('This narrative is locked for good, so no new version of it can be published.')
      : narrative.level !== 'admin'
        ? trans.__('Only those who can share this narrative can publish it.')
        : null;
  }

  panel(host: IChoiceHost): PublicationsPanel {
    return (this.view = new PublicationsPanel(this.client, this.narrative.id, this.notebook, host, this.trans));
  }

  async run({ waiting, offerCancel }: IChoiceRun): Promise<string> {
    const { trans } = this;
    if (this.unavailable) throw new Error(this.unavailable);
    if (this.view?.hasUnsavedChanges) throw new Error(trans.__('Save the notebook first: publishing takes its saved version, without the changes not saved yet.'));
    // The list as it was, to tell a new publication from this version's earlier one (the server answers both alike).
    await this.view?.refresh();
    // Once asked, the server publishes whether or not anyone waits: cancelling would undo nothing.
    offerCancel(false);
    waiting(trans.__('Publishing the saved version: freezing its archive…'));
    const publication = await this.client.createPublication(this.narrative.id);
    const earlier = this.view?.has(publication.contentId) ?? false;
    this.view?.show(publication);
    await this.view?.refresh();
    return earlier
      ? trans.__('Version %1 was published already: this is its publication.', publication.version)
      : trans.__('Published version %1.', publication.version);
  }
}
