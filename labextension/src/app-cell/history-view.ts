import { Time } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job } from '@narrative/server/client';
import { el } from '../dom.js';
import { stateLabel, statusWords } from '../jobs/words.js';
import type { IRun, RunHistory } from './history.js';
import type { OpenObject } from './job-view.js';
import { attemptLines, attemptWords, changeWords, paramsWords, resourcesLine } from './run-words.js';
import { outputsOf } from './state.js';

/** How often the relative times of the runs listed in the page are said again ("2 minutes ago"). */
const TIMES_MS = 30_000;
let timesTimer: ReturnType<typeof setInterval> | null = null;

/**
 * The runs section: one row per run, newest first, with its state, when and
 * by whom it started, the parameters that changed since the run before, and
 * its outputs; a click on a row shows that run in the cell. Hidden while the
 * cell has one run or none: the run shown says it all.
 */
export function renderRuns(node: HTMLElement, history: RunHistory, trans: TranslationBundle, open: OpenObject): void {
  node.replaceChildren();
  const runs = history.runs;
  node.hidden = runs.length < 2 && history.error === null;
  if (node.hidden) return;
  node.appendChild(el('div', 'jp-narrative-AppSectionTitle', trans.__('Runs')));
  if (runs.length > 0) {
    const list = el('ul', 'jp-narrative-RunList');
    for (const run of runs) list.appendChild(renderRun(run, history, trans, open));
    node.appendChild(list);
  }
  if (history.error !== null) node.appendChild(el('p', 'jp-narrative-Message jp-mod-error', trans.__('The earlier runs could not be listed: %1', history.error)));
  if (history.hasMore || history.error !== null) {
    const more = el('button', 'jp-Button jp-mod-styled jp-narrative-RunMore', history.error === null ? trans.__('Show older runs') : trans.__('Try again'));
    more.disabled = history.loading;
    more.addEventListener('click', () => void history.more());
    node.appendChild(more);
  }
  timesTimer ??= setInterval(sayTimesAgain, TIMES_MS);
}

function renderRun(run: IRun, history: RunHistory, trans: TranslationBundle, open: OpenObject): HTMLElement {
  const { job } = run;
  const first = run.attempts[0]!;
  const latest = history.isLatest(run);
  const shown = history.shown ? history.shown.job.id === job.id : latest;
  const item = el('li', 'jp-narrative-Run');
  item.dataset.job = String(job.id);
  item.dataset.state = job.state;
  item.classList.toggle('jp-mod-shown', shown);
  item.classList.toggle('jp-mod-latest', latest);
  const select = el('button', 'jp-narrative-RunSelect');
  select.setAttribute('aria-pressed', String(shown));
  select.title = shown ? trans.__('Shown below') : trans.__('Show this run, with its log and outputs');
  select.addEventListener('click', () => void history.show(run));
  const head = el('span', 'jp-narrative-RunHead');
  const state = el('span', 'jp-narrative-RunState', stateLabel(job.state, trans));
  state.dataset.state = job.state;
  head.append(state, el('span', 'jp-narrative-RunStatus', trans.__('Job %1: %2', job.id, statusWords(job, trans))));
  if (latest) head.appendChild(el('span', 'jp-narrative-RunTag', trans.__('latest')));
  const when = el('span', 'jp-narrative-RunWhen', Time.formatHuman(first.createdAt));
  when.dataset.time = first.createdAt;
  when.title = exactTime(first.createdAt);
  head.append(when, el('span', 'jp-narrative-RunWho', first.user));
  select.appendChild(head);
  const attempts = attemptWords(run, trans);
  if (attempts) select.appendChild(el('span', 'jp-narrative-RunAttempts', attempts));
  if (run.changes !== null) {
    const changes = el('span', 'jp-narrative-RunChanges', changeWords(run.changes, trans));
    changes.dataset.changed = run.changes.map((c) => c.name).join(' ');
    select.appendChild(changes);
  }
  item.appendChild(select);
  const refs = outputsOf(job);
  if (refs.length > 0) {
    const outputs = el('div', 'jp-narrative-RunOutputs');
    for (const ref of refs) {
      const link = el('button', 'jp-narrative-RunOutput', ref);
      link.dataset.ref = ref;
      link.title = trans.__('Open %1', ref);
      link.addEventListener('click', () => open('object', ref));
      outputs.appendChild(link);
    }
    item.appendChild(outputs);
  }
  return item;
}

/** Over a job shown instead of the cell's own: which it is, and Latest to go back. */
export function renderShownJob(job: Job, history: RunHistory, trans: TranslationBundle): HTMLElement {
  const banner = el('div', 'jp-narrative-RunShown');
  const words = el('span', '', trans.__('Showing job %1, started %2 by %3', job.id, Time.formatHuman(job.createdAt), job.user));
  words.title = exactTime(job.createdAt);
  const latest = el('button', 'jp-Button jp-mod-styled jp-narrative-RunLatest', trans.__('Latest'));
  latest.title = trans.__("Show the cell's latest run again");
  latest.addEventListener('click', () => void history.show(null));
  // The form holds what the next run gets: what this one was given is said here.
  const params = el('span', 'jp-narrative-RunParams', trans.__('with %1', paramsWords(job.params, trans)));
  banner.append(words, params, latest);
  return banner;
}

/**
 * Under a job's state: what it asked for and what it used; for a resubmitted
 * run, each attempt, a click showing that attempt's own log.
 */
export function renderRunInfo(job: Job, history: RunHistory, trans: TranslationBundle): HTMLElement[] {
  const info: HTMLElement[] = [el('div', 'jp-narrative-Meta jp-narrative-RunResources', resourcesLine(job, trans))];
  const run = history.runOf(job.id);
  if (!run || run.attempts.length < 2) return info;
  const list = el('ul', 'jp-narrative-RunAttemptList');
  attemptLines(run, trans).forEach((line, i) => {
    const attempt = run.attempts[i]!;
    const item = list.appendChild(el('li', 'jp-narrative-RunAttempt'));
    item.dataset.job = String(attempt.id);
    if (attempt.id === job.id) {
      item.classList.add('jp-mod-shown');
      item.textContent = line;
      return;
    }
    const link = item.appendChild(el('button', 'jp-narrative-RunAttemptShow', line));
    link.title = trans.__('Show this attempt, with its log');
    link.addEventListener('click', () => void history.show(run, attempt));
  });
  info.push(list);
  return info;
}

function exactTime(iso: string): string {
  const lang = document.documentElement.lang || 'en';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

/** One timer for the whole page, which stops once no run is listed any more. */
function sayTimesAgain(): void {
  const times = document.querySelectorAll<HTMLElement>('.jp-narrative-RunWhen[data-time]');
  for (const when of Array.from(times)) when.textContent = Time.formatHuman(when.dataset.time!);
  if (times.length === 0 && timesTimer !== null) {
    clearInterval(timesTimer);
    timesTimer = null;
  }
}
