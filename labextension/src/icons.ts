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
