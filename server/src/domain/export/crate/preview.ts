import { createRequire } from 'node:module';
import { ROCrate } from 'ro-crate';
import roCrateHtml from 'ro-crate-html';
import { RO_CRATE_1_1 } from './crate.js';

const require = createRequire(import.meta.url);
// A CommonJS module whose exports Node cannot name to an ES import: taken from its default.
const { HtmlFile, Preview } = roCrateHtml;

/**
 * ro-crate-preview.html, rendered by ro-crate-html from the crate's
 * metadata. Two things are done around the library, each for a reason:
 * it resolves the crate's @context to name terms, and RO-Crate 1.1's is not
 * bundled with it (the server fetches nothing while exporting), so the
 * bundled 1.2 context, a superset of 1.1's terms, stands in; and it writes
 * text into the page unescaped, while names, params and descriptions are
 * users' text, so the page is rendered from an HTML-escaped copy and embeds
 * the metadata with `<` written as \u003c (the same JSON, no way out of its
 * script element).
 */
export async function renderPreview(metadata: Record<string, unknown>): Promise<string> {
  const crate = new ROCrate(escapeStrings(metadata) as object, { array: true, link: true });
  crate.__contextCache[`${RO_CRATE_1_1}/context`] = (require('ro-crate/lib/context.json') as { '@context': Record<string, unknown> })['@context'];
  const preview = new Preview(crate);
  const params = preview.templateParams.bind(preview);
  preview.templateParams = (script?: string) => ({ ...params(script), json_ld: JSON.stringify(metadata, null, 2).replace(/</g, '\\u003c') });
  return offline(await new HtmlFile(preview).render());
}

/**
 * The page as rendered, without what it would fetch: the library's dynamic
 * script redraws the page from the embedded metadata unescaped (and comes
 * unpinned from a CDN), so the static, escaped render is final; stylesheets
 * from CDNs go too, so the page reads the same offline.
 */
function offline(html: string): string {
  return html.replace(/<script\b[^>]*\bsrc=[^>]*>\s*<\/script>/gi, '').replace(/<link\b[^>]*\bhref=["']?https?:[^>]*>/gi, '');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
  if (Array.isArray(value)) return value.map(escapeStrings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeStrings(v)]));
  return value;
}
