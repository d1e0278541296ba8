import type { TranslationBundle } from '@jupyterlab/translation';
import { fileUploadIcon, ReactWidget, refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import type { NarrativeClient, ObjectInfo } from '@narrative/server/client';
import { Signal, type ISignal } from '@lumino/signaling';
import * as React from 'react';
import { describeError } from '../client/client.js';
import { dataIcon } from '../icons.js';
import { MyData } from './my-data.js';
import { NARRATIVE_TYPE, NarrativeData, type IFilters } from './narrative-data.js';
import { type ITypeInfo, type IUploadRequest, uploadWithProgress } from './upload.js';

/** The panel's two views: the open narrative with shared and public data, or all my data. */
export type DataView = 'browse' | 'mine';

interface IUploadState {
  name: string;
  loaded: number;
  total: number;
  state: 'uploading' | 'done' | 'failed';
  message?: string;
}

/**
 * The data a scientist works with, in the left sidebar. "Browse" shows the
 * objects of the active narrative, of narratives shared with them and of
 * public ones; "My data" every object of every narrative they may edit.
 * The search box and type list narrow either view.
 */
export class DataPanel extends ReactWidget {
  private view: DataView = 'browse';
  private types: ITypeInfo[] = [];
  private readonly filters: IFilters = { name: '', type: '' };
  private upload: IUploadState | null = null;
  /** Bumped by Refresh: My data lists again when it changes. */
  private reloads = 0;
  private readonly browse: NarrativeData;
  private readonly _objectOpened = new Signal<this, ObjectInfo>(this);

  constructor(private readonly client: NarrativeClient, private readonly trans: TranslationBundle, private readonly askUpload: (types: ITypeInfo[]) => Promise<IUploadRequest | null>) {
    super();
    this.id = 'narrative-data-panel';
    this.addClass('jp-narrative-DataPanel');
    this.addClass('jp-narrative-Panel');
    this.title.icon = dataIcon;
    this.title.caption = trans.__('Data');
    this.browse = new NarrativeData(client, trans, () => this.update(), (o) => this._objectOpened.emit(o));
    void this.loadTypes();
    void this.browse.refresh();
  }

  /** Emitted when the user clicks an object (the plugin opens a viewer). */
  get objectOpened(): ISignal<this, ObjectInfo> {
    return this._objectOpened;
  }

  /** Follows the notebook in the active tab: its narrative's workspace is "This narrative". */
  setPath(path: string | null): void {
    this.browse.setPath(path);
  }

  /** Shows one of the views. */
  showView(view: DataView): void {
    this.view = view;
    this.update();
  }

  /** Loads everything again. */
  async refresh(): Promise<void> {
    this.reloads++;
    this.update();
    await this.browse.refresh();
  }

  private async loadTypes(): Promise<void> {
    try {
      this.types = await this.client.request<ITypeInfo[]>('GET', '/types');
      this.update();
    } catch {
      // the type filter and upload then offer no types; the sections say what failed
    }
  }

  /** Asks for a file and a type, uploads it into this narrative's workspace with a progress bar, then lists it. */
  async startUpload(): Promise<void> {
    const narrative = this.browse.narrative;
    if (!narrative?.writable) return;
    const request = await this.askUpload(this.types);
    if (!request) return;
    const state: IUploadState = { name: request.name, loaded: 0, total: request.file.size, state: 'uploading' };
    this.upload = state;
    this.update();
    try {
      await uploadWithProgress(narrative.wsid, request, (loaded, total) => {
        state.loaded = loaded;
        state.total = total;
        this.update();
      });
      state.state = 'done';
      state.loaded = state.total;
      this.reloads++;
      await this.browse.loadOwn();
    } catch (error) {
      state.state = 'failed';
      state.message = describeError(error);
    }
    this.update();
  }

  protected render(): React.ReactElement {
    const { trans } = this;
    const narrative = this.browse.narrative;
    const typeIds = [...new Set(this.types.map((t) => t.id))].filter((t) => t !== NARRATIVE_TYPE);
    const tab = (view: DataView, label: string) => (
      <button role="tab" className="jp-narrative-ViewTab" data-view={view} aria-selected={this.view === view} onClick={() => this.showView(view)}>
        {label}
      </button>
    );
    return (
      <>
        <div className="jp-narrative-PanelHeader">
          <h2>{trans.__('Data')}</h2>
          <ToolbarButtonComponent
            icon={fileUploadIcon}
            label={trans.__('Upload')}
            className="jp-narrative-UploadButton"
            tooltip={
              !narrative ? trans.__('Open a narrative to upload into it')
              : narrative.writable ? trans.__('Upload a file into this narrative')
              : trans.__('You may only read this narrative')
            }
            enabled={narrative?.writable ?? false}
            onClick={() => void this.startUpload()}
          />
          <ToolbarButtonComponent icon={refreshIcon} tooltip={trans.__('Refresh the data')} onClick={() => void this.refresh()} />
        </div>
        <div className="jp-narrative-ViewTabs" role="tablist" aria-label={trans.__('Which data')}>
          {tab('browse', trans.__('Browse'))}
          {tab('mine', trans.__('My data'))}
        </div>
        <div className="jp-narrative-Filters">
          <input
            type="search"
            className="jp-narrative-Search"
            placeholder={trans.__('Search by name')}
            aria-label={trans.__('Search by name')}
            defaultValue={this.filters.name}
            onChange={(e) => {
              this.filters.name = e.currentTarget.value;
              this.update();
            }}
          />
          <select
            className="jp-narrative-TypeFilter"
            aria-label={trans.__('Type')}
            defaultValue={this.filters.type}
            onChange={(e) => {
              this.filters.type = e.currentTarget.value;
              this.update();
            }}
          >
            <option value="">{trans.__('All types')}</option>
            {typeIds.map((t) => (
              <option key={t} value={t}>{t}</option>
            ))}
          </select>
        </div>
        {this.renderUpload()}
        <div className="jp-narrative-PanelBody" role="tabpanel" data-view={this.view}>
          {this.view === 'browse'
            ? this.browse.render(this.filters)
            : <MyData client={this.client} trans={trans} filters={{ ...this.filters }} reload={this.reloads} onOpen={(o) => this._objectOpened.emit(o)} />}
        </div>
      </>
    );
  }

  private renderUpload(): React.ReactElement | null {
    const { upload, trans } = this;
    if (!upload) return null;
    const percent = upload.total > 0 ? Math.round((100 * upload.loaded) / upload.total) : 0;
    const text =
      upload.state === 'uploading' ? trans.__('Uploading %1… %2%', upload.name, percent)
      : upload.state === 'done' ? trans.__('Uploaded %1.', upload.name)
      : trans.__('The upload of %1 failed. %2', upload.name, upload.message ?? '');
    return (
      <div className={`jp-narrative-Upload jp-mod-${upload.state}`} data-state={upload.state}>
        <progress max={100} value={percent} aria-label={trans.__('Upload progress')} />
        <span className="jp-narrative-UploadText">{text}</span>
        {upload.state !== 'uploading' && (
          <button
            className="jp-narrative-Dismiss"
            aria-label={trans.__('Dismiss')}
            onClick={() => {
              this.upload = null;
              this.update();
            }}
          >
            ×
          </button>
        )}
      </div>
    );
  }
}
