import type { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import type { NarrativeClient, ObjectInfo, Workspace } from '@narrative/server/client';
import * as React from 'react';
import { describeError } from '../client/client.js';
import { settle, type Loading } from '../loading.js';
import { narrativeIdOf } from './narrative-path.js';
import { ObjectEntry } from './object-entry.js';

/** The notebook object of a narrative is the narrative itself, not data to drag. */
export const NARRATIVE_TYPE = 'Narrative.Narrative-1.0';

/** What the panel's search box and type list narrow a listing to. */
export interface IFilters {
  name: string;
  type: string;
}

type Objects = Loading<{ items: ObjectInfo[] }>;

interface IWorkspaceEntry {
  ws: Workspace;
  label: string;
  open: boolean;
  objects?: Objects;
}

/**
 * The "Browse" view of the Data panel: the objects of the active narrative's
 * workspace ("This narrative"), of workspaces shared with me, and of public ones.
 * It holds what it fetched; `changed` asks the panel to render again.
 */
export class NarrativeData {
  private path: string | null = null;
  private current: { id: number; wsid: number; title: string; writable: boolean } | null = null;
  private own: Objects | null = null;
  private others: Objects | null = null;
  private shared: IWorkspaceEntry[] = [];
  private publicOnes: IWorkspaceEntry[] = [];
  private readonly collapsed = new Set<string>();

  constructor(private readonly client: NarrativeClient, private readonly trans: TranslationBundle, private readonly changed: () => void, private readonly open: (o: ObjectInfo) => void) {}

  /** The narrative open in the active tab, once known. */
  get narrative(): { id: number; wsid: number; title: string; writable: boolean } | null {
    return this.current;
  }

  /** Follows the notebook in the active tab: its narrative's workspace is "This narrative". */
  setPath(path: string | null): void {
    const same = narrativeIdOf(path) === narrativeIdOf(this.path);
    this.path = path;
    if (!same) void this.loadOwn();
  }

  async refresh(): Promise<void> {
    await Promise.all([this.loadOwn(), this.loadOthers()]);
  }

  async loadOwn(): Promise<void> {
    const id = narrativeIdOf(this.path);
    if (id === null) {
      this.current = null;
      this.own = null;
      this.changed();
      return;
    }
    this.own = { state: 'loading' };
    this.changed();
    let narrative = this.current?.id === id ? this.current : null;
    let own: Objects;
    try {
      if (!narrative) {
        const n = await this.client.narrative(id);
        narrative = { id: n.id, wsid: n.wsid, title: n.title, writable: (n.level === 'write' || n.level === 'admin') && !n.published };
      }
      own = await this.objectsOf(narrative.wsid);
    } catch (error) {
      own = { state: 'error', message: describeError(error) };
    }
    // The active tab may have moved on to another narrative meanwhile.
    if (narrativeIdOf(this.path) !== id) return;
    this.current = narrative;
    this.own = own;
    this.changed();
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
    this.changed();
    try {
      const [me, workspaces, publicWorkspaces, narratives] = await Promise.all([
        this.client.me(),
        this.client.listWorkspaces(),
        this.client.listWorkspaces({ public: true }),
        this.client.listNarratives(),
      ]);
      const titles = new Map(narratives.map((n) => [n.wsid, n.title]));
      const previous = new Map([...this.shared, ...this.publicOnes].map((e) => [e.ws.id, e]));
      const entry = (ws: Workspace): IWorkspaceEntry => ({ ws, label: titles.get(ws.id) ?? ws.name, open: previous.get(ws.id)?.open ?? false });
      this.shared = workspaces.filter((ws) => ws.owner !== me.name && !ws.public).map(entry);
      this.publicOnes = publicWorkspaces.filter((ws) => ws.owner !== me.name).map(entry);
      this.others = { state: 'ready', items: [] };
      await Promise.all([...this.shared, ...this.publicOnes].filter((e) => e.open).map((e) => this.loadEntry(e)));
    } catch (error) {
      this.others = { state: 'error', message: describeError(error) };
    }
    this.changed();
  }

  private async loadEntry(entry: IWorkspaceEntry): Promise<void> {
    entry.objects = { state: 'loading' };
    this.changed();
    entry.objects = await this.objectsOf(entry.ws.id);
    this.changed();
  }

  render(filters: IFilters): React.ReactElement {
    const { trans } = this;
    return (
      <>
        {this.renderSection('own', trans.__('This narrative'), this.renderOwn(filters))}
        {this.renderSection('shared', trans.__('Shared with me'), this.renderWorkspaces(this.shared, filters, trans.__('Nobody has shared a narrative with you yet.')))}
        {this.renderSection('public', trans.__('Public'), this.renderWorkspaces(this.publicOnes, filters, trans.__('No public narratives are shared with you.')))}
      </>
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
            this.changed();
          }}
        >
          {open ? <caretDownIcon.react tag="span" /> : <caretRightIcon.react tag="span" />}
          <span>{title}</span>
        </button>
        {open && body}
      </section>
    );
  }

  private renderOwn(filters: IFilters): React.ReactElement {
    const { trans } = this;
    if (!this.current && narrativeIdOf(this.path) === null) {
      return <p className="jp-narrative-Message">{trans.__('Open a narrative to see its data here.')}</p>;
    }
    return (
      <>
        {this.current && <div className="jp-narrative-Meta jp-narrative-SectionNote">{trans.__('%1 (workspace %2)', this.current.title, this.current.wsid)}</div>}
        {this.renderObjects(this.own ?? { state: 'loading' }, filters, trans.__('This narrative has no data yet: upload a file or run an app.'))}
      </>
    );
  }

  private renderWorkspaces(entries: IWorkspaceEntry[], filters: IFilters, empty: string): React.ReactElement {
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
                this.changed();
              }}
            >
              {entry.open ? <caretDownIcon.react tag="span" /> : <caretRightIcon.react tag="span" />}
              <span>{entry.label}</span>
              <span className="jp-narrative-Meta">{entry.ws.owner}</span>
            </button>
            {entry.open && this.renderObjects(entry.objects ?? { state: 'loading' }, filters, trans.__('No data in this narrative.'))}
          </li>
        ))}
      </ul>
    );
  }

  private renderObjects(objects: Objects, filters: IFilters, empty: string): React.ReactElement {
    const { trans } = this;
    if (objects.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading…')}</p>;
    if (objects.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('The data could not be listed. %1', objects.message)}</p>;
    if (objects.items.length === 0) return <p className="jp-narrative-Message">{empty}</p>;
    const name = filters.name.toLowerCase();
    const shown = objects.items.filter((o) => (!filters.type || o.type === filters.type) && (!name || o.name.toLowerCase().includes(name)));
    if (shown.length === 0) return <p className="jp-narrative-Message">{trans.__('No data matches the filters.')}</p>;
    return (
      <ul className="jp-narrative-List">
        {shown.map((o) => <ObjectEntry key={o.ref} object={o} trans={trans} onOpen={this.open} />)}
      </ul>
    );
  }
}
