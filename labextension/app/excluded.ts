/**
 * Core plugins this app leaves out, each for a reason that holds on every
 * server. Kept free of imports so the build script can read it under Node
 * and record it in dist/lab/build.json.
 */
export const excludedPlugins: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /:language-server$/,
    reason: 'requires ILSPDocumentConnectionManager, and the LSP extension is not part of this app',
  },
  {
    pattern: /^@jupyterlab\/notebook-extension:(toc|update-raw-mimetype)$/,
    reason: 'require the table of contents and the metadata form, which are not part of this app',
  },
  {
    pattern: /^@jupyterlab\/tooltip-extension:(consoles|files)$/,
    reason: 'tooltips for consoles and file editors, which are not part of this app',
  },
  {
    pattern: /^@jupyterlab\/notebook-extension:export$/,
    reason: "nbconvert export reads the notebook from Jupyter server's own contents, which do not hold narratives",
  },
  {
    pattern: /^@jupyterlab\/filebrowser-extension:create-new-language-file$/,
    reason: 'creates plain source files, and narratives are notebooks only (see also schema/drive.json)',
  },
  {
    pattern: /^@jupyterlab\/apputils-extension:announcements$/,
    reason: 'polls jupyterlab.org for news and updates; the lab must not reach the internet',
  },
  {
    pattern: /^@jupyterlab\/notebook-extension:factory$/,
    reason: '@narrative/labextension:notebook-content-factory provides the notebook and cell factory instead (app cells without a code editor)',
  },
  {
    pattern: /^@jupyterlab\/services-extension:default-drive$/,
    reason: '@narrative/labextension:drive provides the default drive (narratives) instead',
  },
];

export function isExcluded(id: string): boolean {
  return excludedPlugins.some(({ pattern }) => pattern.test(id));
}
