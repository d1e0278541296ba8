import type { NarrativeClient } from '@narrative/server/client';
import { Token } from '@lumino/coreutils';

/** The typed REST client, signed in by the page's session cookie. */
export const INarrativeClient = new Token<NarrativeClient>(
  '@narrative/labextension:INarrativeClient',
  'The narrative REST client (/api/v1) of the signed-in user.',
);

/**
 * Where narratives live in the lab's file system: the prefix of their paths
 * (`''` when they are the default drive, as in our app; `Narratives:` as a
 * named drive in a stock lab). Without it, narratives are on the default drive.
 */
export const INarrativeDrive = new Token<{ readonly prefix: string }>(
  '@narrative/labextension:INarrativeDrive',
  'The path prefix of the drive that holds narratives.',
);

/** Drag payload of an app from the Apps panel: `{id, version}`. */
export const APP_MIME = 'application/vnd.narrative.app+json';
/** Drag payload of a data object from the Data panel: `{ref, type, name}` (ref `wsid/objid/ver`). */
export const OBJECT_MIME = 'application/vnd.narrative.object+json';

export interface IAppDragPayload {
  id: string;
  version: string;
}

export interface IObjectDragPayload {
  ref: string;
  type: string;
  name: string;
}

/** The ids of the narrative commands. */
export namespace CommandIDs {
  export const openAppsPanel = 'narrative:open-apps-panel';
  export const openDataPanel = 'narrative:open-data-panel';
  export const refreshData = 'narrative:refresh-data';
  export const insertAppCell = 'narrative:insert-app-cell';
  export const openProvenance = 'narrative:open-provenance';
  export const openObject = 'narrative:open-object';
  export const openNarrativesPanel = 'narrative:open-narratives-panel';
  export const newNarrative = 'narrative:new-narrative';
  export const copyNarrative = 'narrative:copy-narrative';
  export const shareNarrative = 'narrative:share-narrative';
  export const refreshNarratives = 'narrative:refresh-narratives';
  /** Args `{id?}`: a narrative id; without it, the narrative in the active notebook. */
  export const exportNarrative = 'narrative:export';
  export const importArchive = 'narrative:import-archive';
  export const runAllAppCells = 'narrative:run-all-app-cells';
}

/** The translation domain of every user-visible string of this extension. */
export const TRANSLATION_DOMAIN = 'narrative';
