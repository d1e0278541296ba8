import type { TranslationBundle } from '@jupyterlab/translation';
import type { BundledApp } from '@narrative/server/client';
import * as React from 'react';
import type { BundledAppsModel } from './bundled.js';

/** A state in words. */
function stateLabel(state: BundledApp['state'], trans: TranslationBundle): string {
  switch (state) {
    case 'waiting':
      return trans.__('Waiting');
    case 'building':
      return trans.__('Building');
    case 'registering':
      return trans.__('Registering');
    case 'ready':
      return trans.__('Ready');
    case 'failed':
      return trans.__('Failed');
  }
}

/**
 * The bundled apps still on their way, at the top of the Apps panel: each
 * with its state, a progress bar and what it is doing (or why it failed).
 * Nothing once every app is ready.
 */
export function BundledProgressView(props: { model: BundledAppsModel; trans: TranslationBundle }): React.ReactElement | null {
  const { model, trans } = props;
  const apps = model.unfinished;
  if (apps.length === 0) return null;
  const building = apps.some((a) => a.state !== 'failed');
  return (
    <section className="jp-narrative-Bundled" aria-label={trans.__('Bundled apps')}>
      <div className="jp-narrative-BundledHeading">{building ? trans.__('Setting up the bundled apps') : trans.__('Bundled apps that could not be set up')}</div>
      {building && (
        <p className="jp-narrative-Meta jp-narrative-BundledNote">
          {trans.__('This server builds its apps once, on its first start. Each joins the catalog below when it is ready.')}
        </p>
      )}
      {model.error && <p className="jp-narrative-Message jp-mod-error">{trans.__('The progress could not be loaded: %1 (trying again)', model.error)}</p>}
      <ul className="jp-narrative-List">
        {apps.map((app) => (
          <li key={`${app.id}@${app.version}`} className="jp-narrative-BundledApp" data-app-id={app.id} data-state={app.state}>
            <div className="jp-narrative-EntryTitle">
              <span className="jp-narrative-Name">{app.name}</span>
              <span className={`jp-narrative-BundledState jp-mod-${app.state}`}>
                {app.percent === null || app.state === 'failed' ? stateLabel(app.state, trans) : trans.__('%1 %2 %', stateLabel(app.state, trans), app.percent)}
              </span>
            </div>
            <div className="jp-narrative-Meta">{`${app.id}@${app.version}`}</div>
            {app.state !== 'failed' && (
              <div
                className="jp-narrative-BundledBar"
                role="progressbar"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={app.percent ?? undefined}
                aria-label={trans.__('%1: %2', app.name, stateLabel(app.state, trans))}
              >
                <div className="jp-narrative-BundledBarFill" style={{ width: `${app.percent ?? 0}%` }} />
              </div>
            )}
            <div className={app.state === 'failed' ? 'jp-narrative-BundledMessage jp-mod-error' : 'jp-narrative-BundledMessage'}>
              {app.state === 'failed' ? trans.__('Could not be set up: %1', app.error ?? app.message) : app.message}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
