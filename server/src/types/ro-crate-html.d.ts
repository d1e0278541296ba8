/** ro-crate-html ships no types: what the export uses of it (lib/ro-crate-preview.js, lib/ro-crate-preview-file.js). */
declare module 'ro-crate-html' {
  import type { ROCrate } from 'ro-crate';

  export class Preview {
    constructor(crate: ROCrate, config?: object, id?: string);
    templateParams(renderScript?: string): Record<string, unknown> & { json_ld: string };
  }

  export class HtmlFile {
    constructor(preview: Preview);
    render(renderScript?: string): Promise<string>;
  }

  const roCrateHtml: { Preview: typeof Preview; HtmlFile: typeof HtmlFile };
  export default roCrateHtml;
}
