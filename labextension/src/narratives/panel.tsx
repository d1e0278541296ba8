import { Time } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, fileUploadIcon, ReactWidget, refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import type { Narrative, NarrativeClient } from '@narrative/server/client';
import * as React from 'react';
import { settle, type Loading } from '../loading.js';
import { narrativesIcon } from '../icons.js';

type Load = Loading<{ me: string; narratives: Narrative[] }>;

/** What the panel's buttons ask the plugin to do. */
export interface INarrativeActions {
  create(): void;
  /** Import an offline archive as a new narrative. */
  import(): void;
  open(n: Narrative): void;
  copy(n: Narrative): void;
  share(n: Narrative): void;
}

/** My narratives and those shared with me, newest first: open, copy, share, start a new one or import one. */
export class NarrativesPanel extends ReactWidget {
  private load: Load = { state: 'loading' };

  constructor(private readonly client: NarrativeClient, private readonly trans: TranslationBundle, private readonly actions: INarrativeActions) {
    super();
    this.id = 'narrative-narratives-panel';
    this.addClass('jp-narrative-NarrativesPanel');
    this.addClass('jp-narrative-Panel');
    this.title.icon = narrativesIcon;
    this.title.caption = trans.__('Narratives');
    void this.refresh();
  }

  async refresh(): Promise<void> {
    this.load = await settle(async () => {
      const [me, narratives] = await Promise.all([this.client.me(), this.client.listNarratives()]);
      narratives.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      return { me: me.name, narratives };
    });
    this.update();
  }

  protected render(): React.ReactElement {
    const { trans } = this;
    return (
      <>
        <div className="jp-narrative-PanelHeader">
          <h2>{trans.__('Narratives')}</h2>
          <ToolbarButtonComponent icon={addIcon} tooltip={trans.__('New narrative')} onClick={() => this.actions.create()} className="jp-narrative-NewNarrative" />
          <ToolbarButtonComponent icon={fileUploadIcon} tooltip={trans.__('Import a narrative archive (.tar)')} onClick={() => this.actions.import()} className="jp-narrative-ImportNarrative" />
          <ToolbarButtonComponent icon={refreshIcon} tooltip={trans.__('Refresh the list')} onClick={() => void this.refresh()} />
        </div>
        {this.body()}
      </>
    );
  }

  private body(): React.ReactElement {
    const { trans, load } = this;
    if (load.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading…')}</p>;
    if (load.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('The narratives could not be listed. %1', load.message)}</p>;
    const own = load.narratives.filter((n) => n.owner === load.me);
    const others = load.narratives.filter((n) => !own.includes(n));
    return (
      <div className="jp-narrative-PanelBody">
        {this.section('own', trans.__('Mine'), own, trans.__('No narratives yet: press + to start one.'))}
        {this.section('shared', trans.__('Shared with me'), others, trans.__('Nothing is shared with you yet.'))}
      </div>
    );
  }

  private section(key: string, title: string, narratives: Narrative[], empty: string): React.ReactElement {
    const { trans } = this;
    return (
      <section data-section={key}>
        <h3 className="jp-narrative-SectionTitle">{title}</h3>
        {narratives.length === 0 ? (
          <p className="jp-narrative-Message">{empty}</p>
        ) : (
          <ul className="jp-narrative-List">
            {narratives.map((n) => (
              <li key={n.id} className="jp-narrative-NarrativeEntry" data-narrative-id={n.id} title={n.path}>
                <button className="jp-narrative-NarrativeOpen" onClick={() => this.actions.open(n)}>
                  <span className="jp-narrative-NarrativeTitle">{n.title}</span>
                  <span className="jp-narrative-Meta">
                    {key === 'own' ? trans.__('updated %1', Time.formatHuman(n.updatedAt)) : trans.__('%1 · %2 · updated %3', n.owner, n.level, Time.formatHuman(n.updatedAt))}
                    {n.public ? ` · ${trans.__('public')}` : ''}
                  </span>
                </button>
                <span className="jp-narrative-NarrativeActions">
                  <button className="jp-Button jp-mod-styled jp-narrative-NarrativeCopy" onClick={() => this.actions.copy(n)}>{trans.__('Copy')}</button>
                  {n.level === 'admin' && !n.published && (
                    <button className="jp-Button jp-mod-styled jp-narrative-NarrativeShare" onClick={() => this.actions.share(n)}>{trans.__('Share')}</button>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  }
}
