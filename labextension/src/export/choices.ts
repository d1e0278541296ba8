import type { TranslationBundle } from '@jupyterlab/translation';
import type { NarrativeClient, NarrativeExportFormat } from '@narrative/server/client';
import { downloadExport, type IProgress } from './download.js';
import { sizeText } from './progress-line.js';
import { saveBlob } from './save.js';

/** What a choice's work may report while it runs, and the signal that cancels it. */
export interface IChoiceRun {
  readonly signal: AbortSignal;
  /** Bytes moved so far. */
  bytes(progress: IProgress): void;
  /** Under way without a measure: what it is doing, in words. */
  waiting(words: string): void;
  /** Withdraws Cancel once cancelling would undo nothing (the server has the request), or offers it again. */
  offerCancel(offered: boolean): void;
}

/** What a choice's own part of the dialog may ask of the dialog. */
export interface IChoiceHost {
  /** Does `work` as the dialog's action, with its progress line and Cancel; nothing while another runs. */
  launch(work: (run: IChoiceRun) => Promise<string>): void;
}

/** A choice's own part of the dialog, shown under the progress line while it is chosen. */
export interface IChoicePanel {
  readonly node: HTMLElement;
  dispose(): void;
}

/**
 * One thing the Export dialog offers. The formats download a file;
 * publishing a citable version is a choice too: the dialog shows the label
 * and summary, names its button after `action`, shows its `panel` while it
 * is chosen, and follows `run`.
 */
export interface IExportChoice {
  readonly id: string;
  readonly label: string;
  /** One line: what it is for. */
  readonly summary: string;
  /** The start button's label. */
  readonly action: string;
  /** Why this user cannot do it here, in words (the button is disabled); null when they can. */
  readonly unavailable?: string | null;
  panel?(host: IChoiceHost): IChoicePanel;
  /** Does it, reporting as it goes; answers the words to end with. */
  run(run: IChoiceRun): Promise<string>;
}

/** The export formats of a narrative, each downloaded with progress and handed to the browser as a file. */
export function formatChoices(client: NarrativeClient, narrativeId: number, trans: TranslationBundle): IExportChoice[] {
  const download = (format: NarrativeExportFormat) => async ({ bytes, signal }: IChoiceRun) => {
    const { blob, fileName } = await downloadExport(client, narrativeId, format, bytes, signal);
    saveBlob(blob, fileName);
    return trans.__('Downloaded %1 (%2).', fileName, sizeText(blob.size));
  };
  return [
    {
      id: 'ro-crate',
      label: trans.__('RO-Crate (.zip)'),
      summary: trans.__('For repositories and RO-Crate tools: the app cells, their runs and data (files up to 1 MiB), as a Workflow Run Crate.'),
      action: trans.__('Download'),
      run: download('ro-crate'),
    },
    {
      id: 'prov',
      label: trans.__('W3C PROV (.json)'),
      summary: trans.__('For provenance tools: which run made each result, from which inputs, with which app, by whom.'),
      action: trans.__('Download'),
      run: download('prov'),
    },
    {
      id: 'archive',
      label: trans.__('Offline archive with images (.tar)'),
      summary: trans.__('To run it again elsewhere, offline: the narrative, every data file and the app images; import it on any narrative server.'),
      action: trans.__('Download'),
      run: download('archive'),
    },
  ];
}
