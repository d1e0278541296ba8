import { Time } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { NarrativeClient, ObjectVersion } from '@narrative/server/client';
import * as React from 'react';
import { describeError } from '../client/client.js';
import { renderSummary } from '../viewers/summary.js';
import { fileUrl } from './files.js';
import { Statistics } from './statistics.js';

/**
 * One object version: a picture of its data for its type, the statistics the
 * server computed from its files, its files (with download links), its data
 * as JSON, and a way to its provenance.
 */
export class ObjectViewer extends ReactWidget {
  private object: ObjectVersion | null = null;
  private error = '';

  constructor(client: NarrativeClient, readonly ref: string, private readonly trans: TranslationBundle, private readonly showProvenance: (ref: string) => void) {
    super();
    this.addClass('jp-narrative-ObjectViewer');
    client.getObject(ref).then(
      (object) => {
        this.object = object;
        this.update();
      },
      (error: unknown) => {
        this.error = describeError(error);
        this.update();
      },
    );
  }

  protected render(): React.ReactElement {
    const { trans, object } = this;
    if (this.error) return <p className="jp-narrative-Message jp-mod-error">{trans.__('The object %1 could not be loaded. %2', this.ref, this.error)}</p>;
    if (!object) return <p className="jp-narrative-Message">{trans.__('Loading %1…', this.ref)}</p>;
    return (
      <div className="jp-narrative-ObjectViewerBody">
        <h2>{object.name}</h2>
        <p className="jp-narrative-Meta">
          {trans.__('%1 · version %2 · %3 · saved by %4 on %5', object.type, object.ver, object.ref, object.savedBy, Time.format(object.savedAt))}
        </p>
        <button className="jp-Button jp-mod-styled jp-narrative-ShowProvenance" onClick={() => this.showProvenance(object.ref)}>
          {trans.__('Provenance')}
        </button>
        <h3>{trans.__('Summary')}</h3>
        <div className="jp-narrative-ObjectSummary" ref={(node) => node?.replaceChildren(renderSummary(object, trans))} />
        {object.summary && (
          <>
            <h3>{trans.__('Statistics')}</h3>
            <Statistics summary={object.summary} trans={trans} />
          </>
        )}
        <h3>{trans.__('Files')}</h3>
        {object.files.length === 0 ? (
          <p>{trans.__('No files.')}</p>
        ) : (
          <ul className="jp-narrative-Files">
            {object.files.map((f) => (
              <li key={f.name}>
                <a href={fileUrl(object.ref, f.name)} download={f.name}>{f.name}</a> <span className="jp-narrative-Meta">{trans.__('%1 bytes · sha256 %2', f.size, f.sha256.slice(0, 12))}</span>
              </li>
            ))}
          </ul>
        )}
        <h3>{trans.__('Data')}</h3>
        <pre className="jp-narrative-Json">{JSON.stringify(object.data, null, 2)}</pre>
      </div>
    );
  }
}
