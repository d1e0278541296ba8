import { LabIcon } from '@jupyterlab/ui-components';

const svg = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">${body}</g></svg>`;

/** The Apps panel: four tiles. */
export const appsIcon = new LabIcon({
  name: 'narrative:apps',
  svgstr: svg('<rect x="3" y="3" width="8" height="8" rx="1"/><rect x="13" y="3" width="8" height="8" rx="1"/><rect x="3" y="13" width="8" height="8" rx="1"/><rect x="13" y="13" width="8" height="8" rx="1"/>'),
});

/** The Data panel: a database drum. */
export const dataIcon = new LabIcon({
  name: 'narrative:data',
  svgstr: svg('<path d="M12 2C7.6 2 4 3.3 4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5c0-1.7-3.6-3-8-3zm0 2c3.9 0 6 1.1 6 1s-2.1 1-6 1-6-.9-6-1 2.1-1 6-1zm6 15c0 .1-2.1 1-6 1s-6-.9-6-1v-3.2c1.5.8 3.7 1.2 6 1.2s4.5-.4 6-1.2zm0-5c0 .1-2.1 1-6 1s-6-.9-6-1v-3.2c1.5.8 3.7 1.2 6 1.2s4.5-.4 6-1.2zm0-5c0 .1-2.1 1-6 1s-6-.9-6-1V7.8C7.5 8.6 9.7 9 12 9s4.5-.4 6-1.2z"/>'),
});

/** Provenance: three linked nodes. */
export const provenanceIcon = new LabIcon({
  name: 'narrative:provenance',
  svgstr: svg('<circle cx="5" cy="6" r="3"/><circle cx="5" cy="18" r="3"/><circle cx="19" cy="12" r="3"/><path d="M7.6 7.3l8.8 3.4-.7 1.9-8.8-3.4zM7.6 16.7l8.1-3.2.7 1.9-8.1 3.2z"/>'),
});

/** Narratives: a notebook. */
export const narrativesIcon = new LabIcon({
  name: 'narrative:narratives',
  svgstr: svg('<path d="M6 2h11a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H6V2zm2 2v16h9V4H8zm2 3h5v2h-5zm0 4h5v2h-5zM3 5h2v2H3zm0 6h2v2H3zm0 6h2v2H3z"/>'),
});

/** Jobs: a stopwatch. */
export const jobsIcon = new LabIcon({
  name: 'narrative:jobs',
  svgstr: svg('<path d="M9 1h6v2H9z"/><path d="M12 4a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 2a7 7 0 1 1 0 14 7 7 0 0 1 0-14z"/><path d="M11 8h2v5.4l3.3 2-1 1.7-4.3-2.6z"/><path d="M18.3 4.3l1.4-1.4 1.4 1.4-1.4 1.4z"/>'),
});
