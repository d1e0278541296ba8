/** Minimal server-rendered pages (sign-in, share-link answers) until the lab serves its own. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · narrative</title>
<link rel="icon" href="data:,">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.4rem; } .muted { color: #59636e; } .problem { border-left: 4px solid #d1242f; padding-left: 1rem; }
  label { display: block; margin: .6rem 0 .2rem; } input { font: inherit; padding: .3rem; width: 100%; box-sizing: border-box; }
  button { font: inherit; margin-top: 1rem; padding: .4rem 1.2rem; }
</style></head>
<body>${body}</body></html>`;
}
