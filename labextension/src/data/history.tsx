import { Time } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { NarrativeClient, ObjectInfo } from '@narrative/server/client';
import * as React from 'react';
import { describeError } from '../client/client.js';
import { settle, type Loading } from '../loading.js';

export interface IHistoryProps {
  client: NarrativeClient;
  trans: TranslationBundle;
  /** Any version of the object: the history is the whole object's. */
  object: ObjectInfo;
  /** After a revert saved `saved` as the newest version. */
  onReverted: (saved: ObjectInfo) => void;
  /** Why the server would refuse a revert (a locked narrative, read access only): Revert is then disabled, saying so. */
  refusal?: string | null;
}

/**
 * Every version of an object, newest first: who saved it, when, and how it
 * came to be; an older one can be saved again as the newest (Revert), which
 * keeps its provenance and records which version it repeats.
 */
export function History({ client, trans, object, onReverted, refusal }: IHistoryProps): React.ReactElement {
  const [versions, setVersions] = React.useState<Loading<{ items: ObjectInfo[] }>>({ state: 'loading' });
  const [reverting, setReverting] = React.useState<number | null>(null);
  const [error, setError] = React.useState('');

  // Loaded again when the object gains a version (after a revert here, or a save elsewhere).
  React.useEffect(() => {
    let live = true;
    void settle(async () => ({ items: (await client.history(object.ref)).reverse() })).then((loaded) => live && setVersions(loaded));
    return () => {
      live = false;
    };
  }, [client, object.ref]);

  const revert = async (version: ObjectInfo) => {
    if (refusal) return;
    setReverting(version.ver);
    setError('');
    try {
      onReverted(await client.revertObject(object.ref, version.ver));
    } catch (e) {
      setError(trans.__('Version %1 could not be restored. %2', version.ver, describeError(e)));
    }
    setReverting(null);
  };

  if (versions.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading the history…')}</p>;
  if (versions.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('The history could not be loaded. %1', versions.message)}</p>;
  return (
    <div className="jp-narrative-History">
      <ol className="jp-narrative-Versions" aria-label={trans.__('Versions of %1', object.name)}>
        {versions.items.map((v) => (
          <li key={v.ver} className="jp-narrative-Version" data-ver={v.ver} data-latest={v.latest}>
            <span className="jp-narrative-VersionNumber">{trans.__('v%1', v.ver)}</span>
            <span className="jp-narrative-VersionFacts">
              <span>{origin(v, trans)}</span>
              <span className="jp-narrative-Meta" title={Time.format(v.savedAt)}>{trans.__('by %1, %2', v.savedBy, Time.formatHuman(v.savedAt))}</span>
            </span>
            {v.latest ? (
              <span className="jp-narrative-Meta">{trans.__('newest')}</span>
            ) : (
              <button
                className="jp-Button jp-mod-styled jp-mod-small jp-narrative-Revert"
                disabled={reverting !== null}
                // aria-disabled rather than disabled: a disabled button shows no tooltip, and this one says why.
                aria-disabled={refusal ? true : undefined}
                title={refusal || trans.__('Save version %1 again as the newest version', v.ver)}
                onClick={() => void revert(v)}
              >
                {reverting === v.ver ? trans.__('Reverting…') : trans.__('Revert')}
              </button>
            )}
          </li>
        ))}
      </ol>
      {error && <p className="jp-narrative-Message jp-mod-error">{error}</p>}
    </div>
  );
}

/** How a version came to be, in words: its provenance's kind, and what it repeats. */
function origin(v: ObjectInfo, trans: TranslationBundle): string {
  if (v.revertedFrom) return trans.__('reverted to v%1', v.revertedFrom.split('/')[2] ?? '');
  if (v.copiedFrom) return trans.__('copied from %1', v.copiedFrom);
  switch (v.provenanceKind) {
    case 'upload':
      return trans.__('uploaded');
    case 'app':
      return trans.__('made by an app');
    case 'save':
      return trans.__('saved');
    case 'code':
      return trans.__('saved from a code cell');
  }
}
