import type { TranslationBundle } from '@jupyterlab/translation';
import type { VerificationReport } from '@narrative/server/client';
import { el } from '../dom.js';

/**
 * A verified re-run's report: one green line when every output file is the
 * same bytes as the original's, else each file that differs, with its sizes
 * and the first line where a text file parts.
 */
export function renderVerification(report: VerificationReport, trans: TranslationBundle): HTMLElement {
  const box = el('div', 'jp-narrative-Verification');
  box.dataset.identical = String(report.identical);
  box.dataset.expected = report.expected;
  const { total, identical } = report.files;
  if (report.identical) {
    box.appendChild(el('div', 'jp-narrative-VerificationTitle', trans._n('Identical to job %2: %1 file, the same bytes', 'Identical to job %2: %1 files, the same bytes', total, report.original)));
    return box;
  }
  const title = trans.__('Different from job %1: %2 of %3 files identical', report.original, identical, total);
  box.appendChild(el('div', 'jp-narrative-VerificationTitle', title));
  if (report.expected === 'not-deterministic') box.appendChild(el('div', 'jp-narrative-Meta', trans.__('This app is declared not deterministic: its outputs are not expected to be identical.')));
  const list = el('ul', 'jp-narrative-VerificationFiles');
  for (const output of report.outputs.filter((o) => !o.identical)) {
    if (!output.dataIdentical) list.appendChild(el('li', '', trans.__('%1: its data differs', output.name)));
    for (const file of output.files.filter((f) => f.status !== 'identical')) {
      const item = el('li', 'jp-narrative-VerificationFile', `${output.name}/${file.name}: ${statusText(file.status, trans)} (${file.original?.size ?? '–'} → ${file.rerun?.size ?? '–'} B)`);
      item.dataset.file = file.name;
      const d = file.firstDifference;
      if (d) {
        const lines = el('pre', 'jp-narrative-VerificationLine');
        lines.textContent = `${trans.__('line %1', d.line)}\n- ${d.original ?? trans.__('(no such line)')}\n+ ${d.rerun ?? trans.__('(no such line)')}`;
        item.appendChild(lines);
      }
      list.appendChild(item);
    }
  }
  box.appendChild(list);
  return box;
}

function statusText(status: string, trans: TranslationBundle): string {
  switch (status) {
    case 'different':
      return trans.__('different');
    case 'only-original':
      return trans.__('missing from the re-run');
    default:
      return trans.__('new in the re-run');
  }
}
