import { fileIcon, LabIcon } from '@jupyterlab/ui-components';

const svg = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">${body}</g></svg>`;

/** Reads: short strands of sequence. */
const readsIcon = new LabIcon({
  name: 'narrative:type-reads',
  svgstr: svg('<rect x="3" y="5" width="10" height="2" rx="1"/><rect x="8" y="9" width="12" height="2" rx="1"/><rect x="4" y="13" width="9" height="2" rx="1"/><rect x="11" y="17" width="10" height="2" rx="1"/>'),
});

/** Assembly: contigs, long and joined. */
const assemblyIcon = new LabIcon({
  name: 'narrative:type-assembly',
  svgstr: svg('<rect x="2" y="6" width="20" height="3" rx="1.5"/><rect x="2" y="11" width="13" height="3" rx="1.5"/><rect x="2" y="16" width="8" height="3" rx="1.5"/>'),
});

/** Genome: a circular chromosome with a gene on it. */
const genomeIcon = new LabIcon({
  name: 'narrative:type-genome',
  svgstr: svg('<path d="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 2.2a6.8 6.8 0 1 1 0 13.6 6.8 6.8 0 0 1 0-13.6z"/><path d="M12 3a9 9 0 0 1 8.5 6l-2.1.7A6.8 6.8 0 0 0 12 5.2z"/>'),
});

/** Report: a page with a small table. */
const reportIcon = new LabIcon({
  name: 'narrative:type-report',
  svgstr: svg('<path d="M6 2h9l5 5v15H6V2zm2 2v16h10V8h-4V4H8z"/><rect x="9.5" y="11" width="7" height="1.6"/><rect x="9.5" y="14" width="7" height="1.6"/><rect x="9.5" y="17" width="4.5" height="1.6"/>'),
});

/** Metabolic models and their solutions: a small reaction network. */
const networkIcon = new LabIcon({
  name: 'narrative:type-network',
  svgstr: svg('<circle cx="6" cy="6" r="2.5"/><circle cx="18" cy="6" r="2.5"/><circle cx="12" cy="18" r="2.5"/><path d="M7.2 7.6l4 8 1.6-.8-4-8zM16.8 7.6l-4 8-1.6-.8 4-8zM8.5 5.2h7v1.6h-7z"/>'),
});

/** One icon per type family (the id without its version); others get a plain file. */
const ICONS: Record<string, LabIcon> = {
  'Genomics.Reads': readsIcon,
  'Genomics.Assembly': assemblyIcon,
  'Genomics.Genome': genomeIcon,
  'Report.Report': reportIcon,
  'Metabolism.FBAModel': networkIcon,
  'Metabolism.FBASolution': networkIcon,
};

export function typeIcon(type: string): LabIcon {
  return ICONS[type.replace(/-\d+(\.\d+)*$/, '')] ?? fileIcon;
}
