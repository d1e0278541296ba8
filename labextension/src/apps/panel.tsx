import type { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretRightIcon, ReactWidget, refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import type { AppVersion, NarrativeClient } from '@narrative/server/client';
import * as React from 'react';
import { settle, type Loading } from '../loading.js';
import { dragOnMouseDown } from '../drag.js';
import { APP_MIME, type IAppDragPayload } from '../tokens.js';
import { appsIcon } from '../icons.js';
import type { BundledAppsModel } from './bundled.js';
import { BundledProgressView } from './bundled-view.js';
import { type ChannelFilter, groupByCategory, matchApps, shortType, versionsById } from './catalog.js';

type Load = Loading<{ apps: AppVersion[]; versions: Map<string, AppVersion[]> }>;

/** The app catalog in the left sidebar: latest versions by category, searchable, draggable into app cells. */
export class AppsPanel extends ReactWidget {
  private load: Load = { state: 'loading' };
  private query = '';
  private channel: ChannelFilter = 'all';
  private readonly collapsed = new Set<string>();
  /** app id → the version picked in its entry (else the latest) */
  private readonly chosen = new Map<string, string>();

  constructor(
    private readonly client: NarrativeClient,
    private readonly trans: TranslationBundle,
    /** What a click on an entry does (the app cell plugin inserts an app cell). */
    private readonly onOpen?: (app: IAppDragPayload) => void,
    /** The server's bundled apps while they build on its first start: shown above the catalog, which loads again as each is ready. */
    private readonly bundled?: BundledAppsModel,
  ) {
    super();
    this.id = 'narrative-apps-panel';
    this.addClass('jp-narrative-AppsPanel');
    this.addClass('jp-narrative-Panel');
    this.title.icon = appsIcon;
    this.title.caption = trans.__('Apps');
    bundled?.changed.connect(() => this.update(), this);
    bundled?.ready.connect(() => void this.refresh(), this);
    void this.refresh();
  }

  /** Loads the catalog again (the channel filter is applied by the server, so "latest" means latest in that channel). */
  async refresh(): Promise<void> {
    this.load = { state: 'loading' };
    this.update();
    this.load = await settle(async () => {
      const channel = this.channel === 'all' ? {} : { channel: this.channel };
      const [apps, all] = await Promise.all([this.client.listApps({ latest: true, ...channel }), this.client.listApps(channel)]);
      return { apps, versions: versionsById(all) };
    });
    this.update();
  }

  protected render(): React.ReactElement {
    const { trans } = this;
    return (
      <>
        <div className="jp-narrative-PanelHeader">
          <h2>{trans.__('Apps')}</h2>
          <ToolbarButtonComponent icon={refreshIcon} tooltip={trans.__('Refresh the app catalog')} onClick={() => void this.refresh()} />
        </div>
        <div className="jp-narrative-Filters">
          <input
            type="search"
            className="jp-narrative-Search"
            placeholder={trans.__('Search apps')}
            aria-label={trans.__('Search apps')}
            defaultValue={this.query}
            onChange={(e) => {
              this.query = e.currentTarget.value;
              this.update();
            }}
          />
          <select
            className="jp-narrative-ChannelFilter"
            aria-label={trans.__('Channel')}
            defaultValue={this.channel}
            onChange={(e) => {
              this.channel = e.currentTarget.value as ChannelFilter;
              void this.refresh();
            }}
          >
            <option value="all">{trans.__('All channels')}</option>
            <option value="beta">{trans.__('Beta and release')}</option>
            <option value="release">{trans.__('Release only')}</option>
          </select>
        </div>
        <div className="jp-narrative-PanelBody">
          {this.bundled && <BundledProgressView model={this.bundled} trans={trans} />}
          {this.renderBody()}
        </div>
      </>
    );
  }

  private renderBody(): React.ReactElement {
    const { trans, load } = this;
    if (load.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading the app catalog…')}</p>;
    if (load.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('The app catalog could not be loaded. %1', load.message)}</p>;
    if (load.apps.length === 0) {
      const coming = (this.bundled?.unfinished ?? []).some((a) => a.state !== 'failed');
      return <p className="jp-narrative-Message">{coming ? trans.__('No app is ready yet: the apps above join the catalog as they are.') : trans.__('No apps are registered in this channel yet.')}</p>;
    }
    const apps = matchApps(load.apps, this.query);
    if (apps.length === 0) return <p className="jp-narrative-Message">{trans.__('No app matches "%1".', this.query)}</p>;
    return (
      <>
        {groupByCategory(apps, trans.__('Other')).map(([category, list]) => {
          const open = !this.collapsed.has(category);
          return (
            <section key={category} className="jp-narrative-Group" data-category={category}>
              <button
                className="jp-narrative-GroupHeading"
                aria-expanded={open}
                onClick={() => {
                  if (open) this.collapsed.add(category);
                  else this.collapsed.delete(category);
                  this.update();
                }}
              >
                {open ? <caretDownIcon.react tag="span" /> : <caretRightIcon.react tag="span" />}
                <span>{category}</span>
                <span className="jp-narrative-Count">{list.length}</span>
              </button>
              {open && <ul className="jp-narrative-List">{list.map((app) => this.renderApp(app))}</ul>}
            </section>
          );
        })}
      </>
    );
  }

  private renderApp(latest: AppVersion): React.ReactElement {
    const { trans } = this;
    const versions = (this.load.state === 'ready' && this.load.versions.get(latest.id)) || [latest];
    const app = versions.find((v) => v.version === this.chosen.get(latest.id)) ?? latest;
    const { spec } = app;
    const payload: IAppDragPayload = { id: app.id, version: app.version };
    const inputs = spec.inputs.flatMap((i) => i.types.map(shortType));
    const outputs = spec.outputs.map((o) => shortType(o.type));
    return (
      <li
        key={`${app.id}@${app.version}`}
        className="jp-narrative-App"
        data-app-id={app.id}
        title={trans.__('Click or drag into the notebook to add an app cell')}
        onMouseDown={(e) => dragOnMouseDown(e.nativeEvent, APP_MIME, payload, spec.name)}
        onClick={() => this.onOpen?.(payload)}
      >
        <div className="jp-narrative-EntryTitle">
          <span className="jp-narrative-Name">{spec.name}</span>
          <span className={`jp-narrative-Badge jp-mod-${app.channel}`}>{app.channel}</span>
        </div>
        {versions.length > 1 ? (
          <select
            className="jp-narrative-AppVersion"
            aria-label={trans.__('Version of %1', spec.name)}
            value={app.version}
            // The select is inside the entry: its clicks choose a version, not a drag or a new cell.
            onMouseDown={(e) => e.stopPropagation()}
            onClick={(e) => e.stopPropagation()}
            onChange={(e) => {
              this.chosen.set(latest.id, e.currentTarget.value);
              this.update();
            }}
          >
            {versions.map((v) => (
              <option key={v.version} value={v.version}>{`${v.id}@${v.version} (${v.channel})`}</option>
            ))}
          </select>
        ) : (
          <div className="jp-narrative-Meta">{`${app.id}@${app.version}`}</div>
        )}
        <div className="jp-narrative-Description">{spec.description.split('\n')[0]}</div>
        <div className="jp-narrative-Types">
          {trans.__('in: %1', inputs.length > 0 ? inputs.join(', ') : trans.__('none'))}
          {' → '}
          {trans.__('out: %1', outputs.length > 0 ? outputs.join(', ') : trans.__('none'))}
        </div>
      </li>
    );
  }
}
