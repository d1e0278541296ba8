import { Time } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretRightIcon, fileUploadIcon, ReactWidget, refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import type { NarrativeClient, ObjectInfo, Workspace } from '@narrative/server/client';
import { Signal, type ISignal } from '@lumino/signaling';
import * as React from 'react';
import { shortType } from '../apps/catalog.js';
import { describeError } from '../client/client.js';
import { settle, type Loading } from '../loading.js';
import { dragOnMouseDown } from '../drag.js';
import { dataIcon } from '../icons.js';
import { OBJECT_MIME, type IObjectDragPayload } from '../tokens.js';
import { narrativeIdOf } from './narrative-path.js';
import { type ITypeInfo, type IUploadRequest, uploadWithProgress } from './upload.js';

/** The notebook object of a narrative is the narrative itself, not data to drag. */
const NARRATIVE_TYPE = 'Narrative.Narrative-1.0';

type Objects = Loading<{ items: ObjectInfo[] }>;

interface IWorkspaceEntry {
  ws: Workspace;
  label: string;
  open: boolean;
  objects?: Objects;
}

interface IUploadState {
  name: string;
  loaded: number;
  total: number;
  state: 'uploading' | 'done' | 'failed';
  message?: string;
}

/**
 * The data a scientist works with, in the left sidebar: the objects of the
 * active narrative's workspace, of workspaces shared with them, and of public ones.
 */
export class DataPanel extends ReactWidget {
  private path: string | null = null;
  private narrative: { id: number; wsid: number; title: string; writable: boolean } | null = null;
  private own: Objects | null = null;
  private others: Objects | null = null;
  private shared: IWorkspaceEntry[] = [];
  private publicOnes: IWorkspaceEntry[] = [];
  private types: ITypeInfo[] = [];
  private typeFilter = '';
  private nameFilter = '';
  private upload: IUploadState | null = null;
  private readonly collapsed = new Set<string>();
  private readonly _objectOpened = new Signal<this, ObjectInfo>(this);

  constructor(private readonly client: NarrativeClient, private readonly trans: TranslationBundle, private readonly askUpload: (types: ITypeInfo[]) => Promise<IUploadRequest | null>) {
    super();
    this.id = 'narrative-data-panel';
    this.addClass('jp-narrative-DataPanel');
    this.addClass('jp-narrative-Panel');
    this.title.icon = dataIcon;
    this.title.caption = trans.__('Data');
    void this.loadTypes();
    void this.refresh();
  }

  /** Emitted when the user clicks an object (the plugin opens a viewer). */
  get objectOpened(): ISignal<this, ObjectInfo> {
    return this._objectOpened;
  }

  /** Follows the notebook in the active tab: its narrative's workspace is "This narrative". */
  setPath(path: string | null): void {
    if (narrativeIdOf(path) === narrativeIdOf(this.path)) {
      this.path = path;
      return;
    }
    this.path = path;
    void this.loadOwn();
  }

  /** Loads every section again. */
  async refresh(): Promise<void> {
    await Promise.all([this.loadOwn(), this.loadOthers()]);
  }

  private async loadTypes(): Promise<void> {
    try {
      this.types = await this.client.request<ITypeInfo[]>('GET', '/types');
      this.update();
    } catch {
      // the type filter and upload then offer no types; the sections say what failed
    }
  }

  private async loadOwn(): Promise<void> {
    const id = narrativeIdOf(this.path);
    if (id === null) {
      this.narrative = null;
      this.own = null;
      this.update();
      return;
    }
    this.own = { state: 'loading' };
    this.update();
    let narrative = this.narrative?.id === id ? this.narrative : null;
    let own: Objects;
    try {
      if (!narrative) {
        const n = await this.client.narrative(id);
        narrative = { id: n.id, wsid: n.wsid, title: n.title, writable: n.level === 'write' || n.level === 'admin' };
      }
      own = await this.objectsOf(narrative.wsid);
    } catch (error) {
      own = { state: 'error', message: describeError(error) };
    }
    // The active tab may have moved on to another narrative meanwhile.
    if (narrativeIdOf(this.path) !== id) return;
    this.narrative = narrative;
    this.own = own;
    this.update();
  }

  private objectsOf(wsid: number): Promise<Objects> {
    return settle(async () => ({ items: (await this.client.listObjects(wsid, { limit: 1000 })).items.filter((o) => o.type !== NARRATIVE_TYPE) }));
  }

  /**
   * "Shared with me" are workspaces others own that I was given and that are
   * not public; "Public" every public workspace others own (GET /workspaces?public=true),
   * whether or not it was shared with me.
   */
  private async loadOthers(): Promise<void> {
    this.others = { state: 'loading' };
    this.update();
    try {
      const [me, workspaces, publicWorkspaces, narratives] = await Promise.all([
        this.client.me(),
        this.client.listWorkspaces(),
        this.client.listWorkspaces({ public: true }),
        this.client.listNarratives(),
      ]);
      const titles = new Map(narratives.map((n) => [n.wsid, n.title]));
      const previous = new Map([...this.shared, ...this.publicOnes].map((e) => [e.ws.id, e]));
      const entry = (ws: Workspace): IWorkspaceEntry => {
        const old = previous.get(ws.id);
        return { ws, label: titles.get(ws.id) ?? ws.name, open: old?.open ?? false };
      };
      this.shared = workspaces.filter((ws) => ws.owner !== me.name && !ws.public).map(entry);
      this.publicOnes = publicWorkspaces.filter((ws) => ws.owner !== me.name).map(entry);
      this.others = { state: 'ready', items: [] };
      await Promise.all([...this.shared, ...this.publicOnes].filter((e) => e.open).map((e) => this.loadEntry(e)));
    } catch (error) {
      this.others = { state: 'error', message: describeError(error) };
    }
    this.update();
  }

  private async loadEntry(entry: IWorkspaceEntry): Promise<void> {
    entry.objects = { state: 'loading' };
    this.update();
    entry.objects = await this.objectsOf(entry.ws.id);
    this.update();
  }

  /** Asks for a file and a type, uploads it into this narrative's workspace with a progress bar, then lists it. */
  async startUpload(): Promise<void> {
    const wsid = this.narrative?.writable ? this.narrative.wsid : undefined;
    if (wsid === undefined) return;
    const request = await this.askUpload(this.types);
    if (!request) return;
    const state: IUploadState = { name: request.name, loaded: 0, total: request.file.size, state: 'uploading' };
    this.upload = state;
    this.update();
    try {
      await uploadWithProgress(wsid, request, (loaded, total) => {
        state.loaded = loaded;
        state.total = total;
        this.update();
      });
      state.state = 'done';
      state.loaded = state.total;
      await this.loadOwn();
    } catch (error) {
      state.state = 'failed';
      state.message = describeError(error);
    }
    this.update();
  }

  /** Hides the upload status line. */
  private dismissUpload(): void {
    this.upload = null;
    this.update();
  }

  protected render(): React.ReactElement {
    const { trans } = this;
    const typeIds = [...new Set(this.types.map((t) => t.id))].filter((t) => t !== NARRATIVE_TYPE);
    return (
      <>
        <div className="jp-narrative-PanelHeader">
          <h2>{trans.__('Data')}</h2>
          <ToolbarButtonComponent
            icon={fileUploadIcon}
            label={trans.__('Upload')}
            className="jp-narrative-UploadButton"
            tooltip={
              !this.narrative ? trans.__('Open a narrative to upload into it')
              : this.narrative.writable ? trans.__('Upload a file into this narrative')
              : trans.__('You may only read this narrative')
            }
            enabled={this.narrative?.writable ?? false}
            onClick={() => void this.startUpload()}
          />
          <ToolbarButtonComponent icon={refreshIcon} tooltip={trans.__('Refresh the data')} onClick={() => void this.refresh()} />
        </div>
        <div className="jp-narrative-Filters">
          <input
            type="search"
            className="jp-narrative-Search"
            placeholder={trans.__('Search by name')}
            aria-label={trans.__('Search by name')}
            defaultValue={this.nameFilter}
            onChange={(e) => {
              this.nameFilter = e.currentTarget.value;
              this.update();
            }}
          />
          <select
            className="jp-narrative-TypeFilter"
            aria-label={trans.__('Type')}
            defaultValue={this.typeFilter}
            onChange={(e) => {
              this.typeFilter = e.currentTarget.value;
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
        <div className="jp-narrative-PanelBody">
          {this.renderSection('own', trans.__('This narrative'), this.renderOwn())}
          {this.renderSection('shared', trans.__('Shared with me'), this.renderWorkspaces(this.shared, trans.__('Nobody has shared a narrative with you yet.')))}
          {this.renderSection('public', trans.__('Public'), this.renderWorkspaces(this.publicOnes, trans.__('No public narratives are shared with you.')))}
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
          <button className="jp-narrative-Dismiss" aria-label={trans.__('Dismiss')} onClick={() => this.dismissUpload()}>×</button>
        )}
      </div>
    );
  }

  private renderSection(key: string, title: string, body: React.ReactElement): React.ReactElement {
    const open = !this.collapsed.has(key);
    return (
      <section className="jp-narrative-Group" data-section={key}>
        <button
          className="jp-narrative-GroupHeading"
          aria-expanded={open}
          onClick={() => {
            if (open) this.collapsed.add(key);
            else this.collapsed.delete(key);
            this.update();
          }}
        >
          {open ? <caretDownIcon.react tag="span" /> : <caretRightIcon.react tag="span" />}
          <span>{title}</span>
        </button>
        {open && body}
      </section>
    );
  }

  private renderOwn(): React.ReactElement {
    const { trans } = this;
    if (!this.narrative && narrativeIdOf(this.path) === null) {
      return <p className="jp-narrative-Message">{trans.__('Open a narrative to see its data here.')}</p>;
    }
    return (
      <>
        {this.narrative && <div className="jp-narrative-Meta jp-narrative-SectionNote">{trans.__('%1 (workspace %2)', this.narrative.title, this.narrative.wsid)}</div>}
        {this.renderObjects(this.own ?? { state: 'loading' }, trans.__('This narrative has no data yet: upload a file or run an app.'))}
      </>
    );
  }

  private renderWorkspaces(entries: IWorkspaceEntry[], empty: string): React.ReactElement {
    const { trans, others } = this;
    if (!others || others.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading…')}</p>;
    if (others.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('Your workspaces could not be listed. %1', others.message)}</p>;
    if (entries.length === 0) return <p className="jp-narrative-Message">{empty}</p>;
    return (
      <ul className="jp-narrative-Workspaces">
        {entries.map((entry) => (
          <li key={entry.ws.id} data-wsid={entry.ws.id}>
            <button
              className="jp-narrative-WorkspaceHeading"
              aria-expanded={entry.open}
              title={trans.__('Workspace %1, owned by %2', entry.ws.id, entry.ws.owner)}
              onClick={() => {
                entry.open = !entry.open;
                if (entry.open && !entry.objects) void this.loadEntry(entry);
                this.update();
              }}
            >
              {entry.open ? <caretDownIcon.react tag="span" /> : <caretRightIcon.react tag="span" />}
              <span>{entry.label}</span>
              <span className="jp-narrative-Meta">{entry.ws.owner}</span>
            </button>
            {entry.open && this.renderObjects(entry.objects ?? { state: 'loading' }, trans.__('No data in this narrative.'))}
          </li>
        ))}
      </ul>
    );
  }

  private renderObjects(objects: Objects, empty: string): React.ReactElement {
    const { trans } = this;
    if (objects.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading…')}</p>;
    if (objects.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('The data could not be listed. %1', objects.message)}</p>;
    if (objects.items.length === 0) return <p className="jp-narrative-Message">{empty}</p>;
    const name = this.nameFilter.toLowerCase();
    const shown = objects.items.filter((o) => (!this.typeFilter || o.type === this.typeFilter) && (!name || o.name.toLowerCase().includes(name)));
    if (shown.length === 0) return <p className="jp-narrative-Message">{trans.__('No data matches the filters.')}</p>;
    return <ul className="jp-narrative-List">{shown.map((o) => this.renderObject(o))}</ul>;
  }

  private renderObject(o: ObjectInfo): React.ReactElement {
    const { trans } = this;
    const payload: IObjectDragPayload = { ref: o.ref, type: o.type, name: o.name };
    return (
      <li
        key={o.ref}
        className="jp-narrative-Object"
        data-ref={o.ref}
        title={trans.__('%1 (%2): click to view, drag into an app cell', o.ref, o.type)}
        onMouseDown={(e) => dragOnMouseDown(e.nativeEvent, OBJECT_MIME, payload, o.name)}
        onClick={() => this._objectOpened.emit(o)}
      >
        <div className="jp-narrative-EntryTitle">
          <span className="jp-narrative-Name">{o.name}</span>
          <span className="jp-narrative-Badge">{shortType(o.type)}</span>
        </div>
        <div className="jp-narrative-Meta">
          {trans.__('v%1 · %2', o.ver, Time.formatHuman(o.savedAt))}
        </div>
      </li>
    );
  }
}
