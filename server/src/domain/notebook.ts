import { randomBytes } from 'node:crypto';

/** nbformat 4 notebooks as narratives store them. */
export const NARRATIVE_TYPE = 'Narrative.Narrative-1.0';
export const NARRATIVE_OBJECT = 'narrative';

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown> & { narrative?: NarrativeStamp };
  cells: Record<string, unknown>[];
}

export interface NarrativeStamp {
  id: number;
  title: string;
  wsid: number;
}

/** `kernelspec`: the kernel its code cells start in (a kernel image's, by digest: server/src/kernels/kernel-images.ts). */
export function emptyNotebook(stamp: NarrativeStamp, kernelspec: { name: string; display_name: string; language: string } = { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' }): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec,
      language_info: { name: 'python' },
      narrative: stamp,
    },
    cells: [
      {
        id: randomBytes(4).toString('hex'),
        cell_type: 'markdown',
        metadata: {},
        source: `# ${stamp.title}\n\nAdd data from the Data panel and apps from the Apps panel.`,
      },
    ],
  };
}

/** The server owns the `narrative` stamp: whatever a client sends there is replaced by the truth. */
export function stamped(notebook: Notebook, stamp: NarrativeStamp): Notebook {
  return { ...notebook, metadata: { ...notebook.metadata, narrative: stamp } };
}
