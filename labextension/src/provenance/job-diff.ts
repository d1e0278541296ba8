import type { TranslationBundle } from '@jupyterlab/translation';
import type { JobDiff, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { el, table } from '../dom.js';
import { diffRows, packageRows } from './job-diff-rows.js';

/**
 * "Compare with another run" under a job's provenance: the user names the
 * other job (the run this one repeats is offered first) and sees the two side
 * by side, the rows that differ marked. It keeps its node, so the view can
 * draw it again on every selection without losing what was compared.
 */
export class JobComparison {
  readonly node = el('section', 'jp-narrative-JobDiff');
  private readonly other = el('input', 'jp-mod-styled jp-narrative-JobDiffOther');
  private readonly hint = el('span', 'jp-narrative-Meta');
  private readonly result = el('div', 'jp-narrative-JobDiffResult');

  constructor(private readonly client: NarrativeClient, readonly jobId: number, private readonly trans: TranslationBundle) {
    this.node.appendChild(el('h3', '', trans.__('Compare with another run')));
    const form = el('form', 'jp-narrative-JobDiffForm');
    const label = el('label', '', trans.__('Job %1 with job', jobId));
    this.other.type = 'number';
    this.other.min = '1';
    this.other.required = true;
    this.other.placeholder = trans.__('job id');
    this.other.setAttribute('aria-label', trans.__('the other job'));
    label.appendChild(this.other);
    const button = el('button', 'jp-mod-styled jp-mod-accept', trans.__('Compare'));
    button.type = 'submit';
    form.append(label, button, this.hint);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.compare();
    });
    this.node.append(form, this.result);
    void this.suggest();
  }

  /** Offers the run this job repeats (a re-run's original, a retry's first attempt), when it has one. */
  private async suggest(): Promise<void> {
    try {
      const job = await this.client.job(this.jobId);
      const previous = job.rerunOf ?? job.retryOf;
      if (previous === null || this.other.value) return;
      this.other.value = String(previous);
      this.hint.textContent = this.trans.__('job %1 is the run this one repeats', previous);
    } catch {
      // Nothing to offer: the user types the other job's id.
    }
  }

  private async compare(): Promise<void> {
    const { trans } = this;
    const other = Number(this.other.value);
    if (!Number.isSafeInteger(other) || other < 1) return;
    this.result.replaceChildren(el('p', 'jp-narrative-Message', trans.__('Comparing job %1 with job %2…', this.jobId, other)));
    let diff: JobDiff;
    try {
      diff = await this.client.diffJobs(this.jobId, other);
    } catch (error) {
      this.result.replaceChildren(el('p', 'jp-narrative-Message jp-mod-error', trans.__('The runs could not be compared. %1', describeError(error))));
      return;
    }
    this.result.replaceChildren(...this.render(diff));
  }

  private render(d: JobDiff): HTMLElement[] {
    const { trans } = this;
    const rows = diffRows(d, trans);
    const differing = rows.filter((r) => !r.same).length;
    const verdict = d.same
      ? el('p', 'jp-narrative-JobDiffVerdict jp-mod-same', trans.__('The two runs are the same, apart from how long they took.'))
      : el('p', 'jp-narrative-JobDiffVerdict', trans.__('%1 of %2 properties differ.', differing, rows.length));
    const side = (j: JobDiff['a']) => trans.__('job %1: %2@%3, %4', j.id, j.app, j.version, j.state);
    const sideBySide = table(['', trans.__('property'), side(d.a), side(d.b)], rows.map((r) => [r.same ? '' : '≠', r.label, r.a, r.b]));
    sideBySide.classList.add('jp-narrative-JobDiffTable');
    [...sideBySide.querySelectorAll('tbody tr')].forEach((tr, i) => {
      if (!rows[i]!.same) tr.classList.add('jp-mod-different');
    });
    const parts = [verdict, sideBySide];
    if (!d.packages.known && !d.packages.same) parts.push(el('p', 'jp-narrative-Meta', trans.__("An image is not in this server's store, so its Debian packages are not known here.")));
    const changes = packageRows(d.packages);
    if (changes.length > 0) {
      parts.push(el('h4', '', trans.__('Debian packages that differ (%1)', changes.length)));
      const packages = table([trans.__('package'), trans.__('job %1', d.a.id), trans.__('job %1', d.b.id)], changes);
      packages.classList.add('jp-narrative-JobDiffTable', 'jp-narrative-JobDiffPackages');
      parts.push(packages);
    }
    return parts;
  }
}
