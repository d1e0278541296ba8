import { PageConfig, URLExt } from '@jupyterlab/coreutils';

/** Where the browser downloads a file of an object version (`wsid/objid/ver`); the session cookie signs the request. */
export function fileUrl(ref: string, name: string): string {
  const [ws, obj, ver] = ref.split('/');
  return URLExt.join(PageConfig.getBaseUrl(), 'api/v1/objects', ws!, obj!, 'files', encodeURIComponent(name)) + `?ver=${ver}`;
}

/** Starts a browser download of each named file of a version, as a click on its link would. */
export function downloadFiles(ref: string, names: string[]): void {
  for (const name of names) {
    const link = document.createElement('a');
    link.href = fileUrl(ref, name);
    link.download = name;
    link.style.display = 'none';
    document.body.append(link);
    link.click();
    link.remove();
  }
}
