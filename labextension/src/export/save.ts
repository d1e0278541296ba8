/**
 * Hands bytes to the browser as a download named `fileName`: an object URL
 * clicked through an `<a download>`. The URL is revoked a while later, not at
 * once: the browser reads it after the click returns.
 */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
