import type { TranslationBundle } from '@jupyterlab/translation';
import type { ObjectSummary } from '@narrative/server/client';
import * as React from 'react';

/** A version's summary (computed by the server when its files were saved) as tiles of figures. */
export function Statistics({ summary, trans }: { summary: ObjectSummary; trans: TranslationBundle }): React.ReactElement {
  const figures = tilesOf(summary, trans);
  return (
    <div className="jp-narrative-Stats jp-narrative-Statistics" data-kind={summary.kind}>
      {figures.map(([key, label, value]) => (
        <div key={key} className="jp-narrative-Stat" data-statistic={key}>
          <div className="jp-narrative-StatValue">{value}</div>
          <div className="jp-narrative-StatLabel">{label}</div>
        </div>
      ))}
    </div>
  );
}

const count = (n: number, digits = 0) => n.toLocaleString(undefined, { maximumFractionDigits: digits });

function tilesOf(summary: ObjectSummary, trans: TranslationBundle): [key: string, label: string, value: string][] {
  switch (summary.kind) {
    case 'reads':
      return [
        ['readCount', trans.__('reads'), count(summary.readCount)],
        ['totalBases', trans.__('total bases'), trans.__('%1 bp', count(summary.totalBases))],
        ['length', trans.__('read length'), lengthRange(summary.minLength, summary.maxLength, trans)],
        ['meanLength', trans.__('mean length'), summary.meanLength === null ? '—' : trans.__('%1 bp', count(summary.meanLength, 1))],
        ['format', trans.__('format'), summary.format.toUpperCase()],
      ];
  }
}

/** Shortest to longest; one figure when all reads are as long; a dash without reads. */
function lengthRange(min: number | null, max: number | null, trans: TranslationBundle): string {
  if (min === null || max === null) return '—';
  return min === max ? trans.__('%1 bp', count(min)) : trans.__('%1–%2 bp', count(min), count(max));
}
