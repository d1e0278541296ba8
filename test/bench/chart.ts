import type { BenchmarkResult, Figure } from './benchmark.js';

const WIDTH = 760;
const LABEL = 250;
const BAR = 14;
const ROW = 2 * BAR + 26;
const TOP = 34;
const BAR_SPACE = WIDTH - LABEL - 90;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const short = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

/** One figure: its median as a bar over its baseline's, every sample a tick, both on the figure's own scale. */
function figureRows(f: Figure, y: number): string[] {
  const largest = Math.max(f.value, f.baseline.value, ...f.samples, ...f.baseline.samples) || 1;
  const x = (v: number): number => LABEL + (v / largest) * BAR_SPACE;
  const colour = f.met === undefined ? '#4a6fa5' : f.met ? '#2e7d32' : '#c62828';
  const bar = (value: number, samples: number[], top: number, fill: string, label: string): string[] => [
    `<rect x="${LABEL}" y="${top}" width="${Math.max(1, x(value) - LABEL).toFixed(1)}" height="${BAR}" fill="${fill}"/>`,
    ...samples.map((s) => `<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${top - 2}" y2="${top + BAR + 2}" stroke="#222" stroke-width="1"/>`),
    `<text x="${(x(Math.max(value, ...samples)) + 6).toFixed(1)}" y="${top + BAR - 3}" font-size="11">${escape(label)}</text>`,
  ];
  return [
    `<text x="8" y="${y + BAR - 2}" font-size="12" font-weight="bold">${escape(f.name)}</text>`,
    `<text x="8" y="${y + 2 * BAR + 2}" font-size="11" fill="${colour}">${f.ratio.toFixed(2)}×${f.target ? ` (target ${f.target.at === 'most' ? '≤' : '≥'} ${f.target.ratio}×)` : ''}</text>`,
    ...bar(f.value, f.samples, y, colour, `${short(f.value)} ${f.unit}`),
    ...bar(f.baseline.value, f.baseline.samples, y + BAR + 4, '#9e9e9e', `${short(f.baseline.value)} ${f.unit}: ${f.baseline.name}`.slice(0, 60)),
  ];
}

/** docs/benchmarks/<name>.svg: drawn by hand so that the page needs no charting library; colours say whether each target was met. */
export function chartOf(result: BenchmarkResult): string {
  const height = TOP + result.figures.length * ROW + 10;
  const rows = result.figures.flatMap((f, i) => figureRows(f, TOP + i * ROW));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escape(result.name)}: measured (colour) against baseline (grey); ticks are repeats</text>`,
    ...rows, '</svg>', '',
  ].join('\n');
}
