const SVG_NS = 'http://www.w3.org/2000/svg';

/** An element with a class and, optionally, its text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An SVG element with its attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Key figures side by side, each a label over its value. */
export function statTiles(stats: [label: string, value: string][]): HTMLElement {
  const box = el('div', 'jp-narrative-Stats');
  for (const [label, value] of stats) {
    const tile = el('div', 'jp-narrative-Stat');
    tile.append(el('div', 'jp-narrative-StatValue', value), el('div', 'jp-narrative-StatLabel', label));
    box.appendChild(tile);
  }
  return box;
}

/** A plain table with a header row. */
export function table(columns: string[], rows: string[][]): HTMLElement {
  const node = el('table', 'jp-narrative-Table');
  const head = node.createTHead().insertRow();
  for (const c of columns) head.appendChild(el('th', '', c));
  const body = node.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const c of r) row.appendChild(el('td', '', c));
  }
  return node;
}

/** Horizontal bars around a zero line, for values of either sign (fluxes). */
export function barChart(values: [label: string, value: number][]): SVGSVGElement {
  const rowHeight = 18;
  const labelWidth = 140;
  const width = 460;
  const half = (width - labelWidth) / 2;
  const max = Math.max(...values.map(([, v]) => Math.abs(v)), 1e-12);
  const chart = svg('svg', { class: 'jp-narrative-BarChart', width, height: values.length * rowHeight + 4, role: 'img' });
  const zero = labelWidth + half;
  values.forEach(([label, value], i) => {
    const y = i * rowHeight + 2;
    const length = (Math.abs(value) / max) * (half - 4);
    chart.appendChild(svg('text', { x: labelWidth - 6, y: y + 13, 'text-anchor': 'end', class: 'jp-narrative-BarLabel' }, label));
    const bar = svg('rect', { x: value < 0 ? zero - length : zero, y: y + 3, width: Math.max(length, 1), height: rowHeight - 6, class: value < 0 ? 'jp-narrative-Bar jp-mod-negative' : 'jp-narrative-Bar' });
    bar.appendChild(svg('title', {}, `${label}: ${value}`));
    chart.appendChild(bar);
  });
  chart.appendChild(svg('line', { x1: zero, x2: zero, y1: 0, y2: values.length * rowHeight + 4, class: 'jp-narrative-BarAxis' }));
  return chart;
}
