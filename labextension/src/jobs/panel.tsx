import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import type { Widget } from '@lumino/widgets';
import { ApiError, type Job, type JobPage, type NarrativeClient } from '@narrative/server/client';
import * as React from 'react';
import { describeError } from '../client/client.js';
import type { Loading } from '../loading.js';
import { jobsIcon } from '../icons.js';
import { Polling } from './polling.js';
import { CANCELLABLE, elapsedWords, resourceWords, STATE_FILTERS, stateFilterLabel, stateLabel, statusLabel, statusWords, type StateFilter } from './words.js';

/** Lumino's message type, by way of @lumino/widgets (a dependency of this package; @lumino/messaging is not). */
type Message = Parameters<Widget['processMessage']>[0];

/** How often the list is loaded again while the panel is in view; elapsed times tick every second in between. */
const POLL_MS = 3000;
const TICK_MS = 1000;
/** Jobs per page, and how many more "Show more" adds. */
const PAGE = 50;
/** The most one page holds (the server's PAGE_MAX): past it the panel offers no more. */
const PAGE_MAX = 1000;

/** What the panel's buttons ask the plugin to do. */
export interface IJobActions {
  /** Asks, then cancels; resolves once done (or declined). */
  cancel(job: Job): Promise<void>;
  /** Opens the job's narrative at its cell. */
  openCell(job: Job): void;
}

/**
 * Every job of mine, newest first, with its state in plain words, how long
 * it has waited or run, what it asked for, a link to its narrative's cell,
 * and Cancel while it may still be stopped. Loaded again every few seconds
 * while the panel is in view (see Polling), and not at all otherwise.
 */
export class JobsPanel extends ReactWidget {
  private load: Loading<{ page: JobPage }> = { state: 'loading' };
  private filter: StateFilter = 'all';
  private limit = PAGE;
  private readonly titles = new Map<number, string>();
  private readonly cancelling = new Set<number>();
  private readonly polling = new Polling(() => void this.refresh(), () => this.update(), { everyMs: POLL_MS, tickMs: TICK_MS }, document);
  private loading: Promise<void> | null = null;

  constructor(private readonly client: NarrativeClient, private readonly trans: TranslationBundle, private readonly actions: IJobActions) {
    super();
    this.id = 'narrative-jobs-panel';
    this.addClass('jp-narrative-JobsPanel');
    this.addClass('jp-narrative-Panel');
    this.title.icon = jobsIcon;
    this.title.caption = trans.__('Jobs');
  }

  /** Loads the list again, and polls again if a sign-out had stopped it; a call while a load is under way waits for that one. */
  reload(): Promise<void> {
    this.polling.resume();
    return this.refresh();
  }

  /** Loads the list again; a call while a load is under way waits for that one. */
  refresh(): Promise<void> {
    this.loading ??= this.fetch().finally(() => (this.loading = null));
    return this.loading;
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.polling.setShown(true);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) this.polling.setShown(true);
  }

  protected override onBeforeHide(msg: Message): void {
    this.polling.setShown(false);
    super.onBeforeHide(msg);
  }

  protected override onBeforeDetach(msg: Message): void {
    this.polling.setShown(false);
    super.onBeforeDetach(msg);
  }

  override dispose(): void {
    this.polling.dispose();
    super.dispose();
  }

  private async fetch(): Promise<void> {
    for (;;) {
      const asked = { filter: this.filter, limit: this.limit };
      const state = STATE_FILTERS[asked.filter];
      let next: Loading<{ page: JobPage }>;
      try {
        next = { state: 'ready', page: await this.client.listJobs({ limit: asked.limit, ...(state ? { state } : {}) }) };
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          // Signed out: the list is no longer what the server would say, and asking again is refused again.
          this.polling.halt();
          this.load = { state: 'error', message: this.trans.__('You are signed out. Sign in again, then press Refresh.') };
          this.update();
          return;
        }
        next = { state: 'error', message: describeError(error) };
      }
      // The filter or the length changed meanwhile: this answer is to a question no longer asked.
      if (asked.filter !== this.filter || asked.limit !== this.limit) continue;
      // A failed poll keeps the list it had: one dropped request should not blank the panel.
      if (next.state === 'ready' || this.load.state !== 'ready') this.load = next;
      if (next.state === 'ready') await this.learnTitles(next.page.items);
      this.update();
      return;
    }
  }

  /** The titles of the narratives the jobs came from, looked up once for ids not seen before. */
  private async learnTitles(jobs: Job[]): Promise<void> {
    if (!jobs.some((j) => j.narrative && !this.titles.has(j.narrative.id))) return;
    const narratives = await this.client.listNarratives().catch(() => []);
    for (const n of narratives) this.titles.set(n.id, n.title);
    // Ids still unknown (a narrative deleted or no longer shared) show as their number, and are not asked for again.
    for (const j of jobs) if (j.narrative && !this.titles.has(j.narrative.id)) this.titles.set(j.narrative.id, '');
  }

  private async cancel(job: Job): Promise<void> {
    this.cancelling.add(job.id);
    this.update();
    try {
      await this.actions.cancel(job);
    } finally {
      this.cancelling.delete(job.id);
      await this.refresh();
    }
  }

  protected override render(): React.ReactElement {
    const { trans } = this;
    return (
      <>
        <div className="jp-narrative-PanelHeader">
          <h2>{trans.__('Jobs')}</h2>
          <ToolbarButtonComponent icon={refreshIcon} tooltip={trans.__('Refresh the list of jobs')} onClick={() => void this.reload()} />
        </div>
        <div className="jp-narrative-Filters">
          <select
            className="jp-narrative-JobsFilter"
            aria-label={trans.__('Show jobs')}
            value={this.filter}
            onChange={(e) => {
              this.filter = e.currentTarget.value as StateFilter;
              this.limit = PAGE;
              this.load = { state: 'loading' };
              this.update();
              void this.refresh();
            }}
          >
            {(Object.keys(STATE_FILTERS) as StateFilter[]).map((f) => (
              <option key={f} value={f}>{stateFilterLabel(f, trans)}</option>
            ))}
          </select>
        </div>
        <div className="jp-narrative-PanelBody">{this.body()}</div>
      </>
    );
  }

  private body(): React.ReactElement {
    const { trans, load } = this;
    if (load.state === 'loading') return <p className="jp-narrative-Message">{trans.__('Loading your jobs…')}</p>;
    if (load.state === 'error') return <p className="jp-narrative-Message jp-mod-error">{trans.__('Your jobs could not be listed. %1', load.message)}</p>;
    const { items, next } = load.page;
    if (items.length === 0) {
      return <p className="jp-narrative-Message">{this.filter === 'all' ? trans.__('No jobs yet: run an app cell and it shows here.') : trans.__('No jobs in this state.')}</p>;
    }
    const now = Date.now();
    return (
      <>
        <ul className="jp-narrative-List jp-narrative-JobList">{items.map((job) => this.renderJob(job, now))}</ul>
        {next !== null && this.limit < PAGE_MAX && (
          <button
            className="jp-Button jp-mod-styled jp-narrative-JobsMore"
            onClick={() => {
              this.limit = Math.min(this.limit + PAGE, PAGE_MAX);
              void this.refresh();
            }}
          >
            {trans.__('Show more')}
          </button>
        )}
      </>
    );
  }

  private renderJob(job: Job, now: number): React.ReactElement {
    const { trans } = this;
    const origin = job.narrative;
    const title = origin ? this.titles.get(origin.id) || trans.__('Narrative %1', origin.id) : '';
    const busy = this.cancelling.has(job.id);
    const label = statusLabel(job, trans);
    return (
      <li key={job.id} className="jp-narrative-Job" data-job-id={job.id} data-state={job.state}>
        <div className="jp-narrative-EntryTitle">
          <span className="jp-narrative-Name">{`${job.app}@${job.version}`}</span>
          <span className={`jp-narrative-JobState jp-mod-${job.state}`}>{stateLabel(job.state, trans)}</span>
        </div>
        <div className="jp-narrative-JobStatusLine">
          {label && <span className="jp-narrative-JobStatusLabel">{label}</span>}
          <span className="jp-narrative-JobStatus">{statusWords(job, trans)}</span>
        </div>
        <div className="jp-narrative-Meta">
          <span className="jp-narrative-JobId">{trans.__('job %1', job.id)}</span>
          {' · '}
          <span className="jp-narrative-JobElapsed">{elapsedWords(job, now, trans)}</span>
        </div>
        <div className="jp-narrative-Meta jp-narrative-JobResources" title={trans.__('What the job asked the scheduler for')}>{resourceWords(job, trans)}</div>
        {(origin || CANCELLABLE.includes(job.state)) && (
          <div className="jp-narrative-JobActions">
            {origin && (
              <button className="jp-narrative-JobOpenCell" title={trans.__('Open the narrative at the cell that ran this job')} onClick={() => this.actions.openCell(job)}>
                {origin.cell ? trans.__('%1 › its cell', title) : title}
              </button>
            )}
            {CANCELLABLE.includes(job.state) && (
              <button className="jp-Button jp-mod-styled jp-mod-warn jp-narrative-JobCancel" disabled={busy} onClick={() => void this.cancel(job)}>
                {busy ? trans.__('Cancelling…') : trans.__('Cancel')}
              </button>
            )}
          </div>
        )}
      </li>
    );
  }
}
