import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NarrativeClient } from '@narrative/server/client';
import type { Sandbox } from './sandbox.js';
import { startJob, startKernelSession } from './world-extras.js';

/** Who sends a request. Tokens stay valid across a restart of the server (same data directory). */
export const CALLERS = ['anonymous', 'alice', 'bob', 'dora', 'admin', 'bogus', 'aliceCookie', 'aliceCookieNoXsrf', 'staleCookie', 'erin'] as const;
export type CallerName = (typeof CALLERS)[number];

/** Real values by what they name (a workspace, a narrative id, a contents path…): what makes requests reach deep code. */
export type Pools = Record<string, string[]>;

/**
 * The resources requests are aimed at, created before fuzzing: users of each
 * role, workspaces (private and shared, public, published), objects with
 * files and versions, a narrative with checkpoints, an app and its jobs, a
 * kernel session, lab state. `spare` holds look-alikes that destructive
 * operations (publish, delete, rename, logout, revoke) are aimed at instead,
 * so one early request cannot make the rest of the run a series of 404s.
 */
export interface World {
  headers: Record<CallerName, Record<string, string>>;
  values: Pools;
  spare: Pools;
  /** A valid notebook, the base that contents saves mutate. */
  notebook: Record<string, unknown>;
  /** Ids and names of the public workspaces (one published) and of the spares, which may become public: anonymous readers may see into them. */
  publicValues: string[];
  /** What could not be set up on this machine (no kernels, no app runtime), and why. */
  missing: string[];
}

export async function buildWorld(url: string, adminToken: string, box: Sandbox): Promise<World> {
  const client = (token: string) => new NarrativeClient({ url, token });
  const admin = client(adminToken);
  const make = async (name: string, role: 'user' | 'developer' = 'user') => admin.createUser(name, role, `${name}-password-1`);
  const [alice, bob, dora, erin] = [await make('alice'), await make('bob'), await make('dora', 'developer'), await make('erin')];
  const a = client(alice.token);

  const main = await a.createWorkspace('fz-main');
  await a.setPermission(main.id, 'bob', 'read');
  const pub = await a.createWorkspace('fz-public');
  await a.setPublic(pub.id, true);
  const published = await a.createWorkspace('fz-published');
  const bobs = await client(bob.token).createWorkspace('fz-bob');

  const form = new FormData();
  form.set('name', 'fz-reads');
  form.set('type', 'Genomics.Reads-1.0');
  form.set('file', new Blob(['@r1\nACGT\n+\nIIII\n']), 'reads.fastq');
  const reads = await a.upload(main.id, form);
  const blob = await a.uploadBlob(Buffer.from(`blob ${box.marker}\n`));
  await a.saveObject(main.id, { name: 'fz-report', type: 'Report.Report-1.0', data: { title: 'one' } });
  const report = await a.saveObject(main.id, { name: 'fz-report', type: 'Report.Report-1.0', data: { title: 'two' }, inputs: [reads.ref] });
  const copied = await a.copyObject(report.ref, pub.id);
  const frozen = await a.saveObject(published.id, { name: 'fz-frozen', type: 'Report.Report-1.0', data: { title: 'frozen' } });
  await a.publishWorkspace(published.id);

  const story = await a.createNarrative('Fz story');
  await a.shareNarrative(story.id, { user: 'bob', level: 'read' });
  const storyPath = story.path;
  const model = (await a.request<{ content: Record<string, unknown> }>('GET', `/contents/${encodeURIComponent(storyPath)}`));
  await a.request('PUT', `/contents/${encodeURIComponent(storyPath)}`, { json: { type: 'notebook', format: 'json', content: model.content } });

  const spareWs = [await a.createWorkspace('fz-spare-1'), await a.createWorkspace('fz-spare-2')];
  const spareStories = [await a.createNarrative('Fz spare one'), await a.createNarrative('Fz spare two'), await a.createNarrative('Fz spare three')];
  const spareTokens = [];
  for (let i = 0; i < 3; i++) spareTokens.push((await a.request<{ id: number }>('POST', '/tokens', { json: { label: `spare ${i}` } })).id);

  const cookies = await signIn(url, 'alice', 'alice-password-1');
  const jobResult = await startJob(admin, a, join(box.root, 'app-image'), main.id, reads.ref);
  const kernelResult = await startKernelSession(url, alice.token, storyPath);
  const job = typeof jobResult === 'string' ? null : jobResult;
  const kernel = typeof kernelResult === 'string' ? null : kernelResult;
  const missing = [jobResult, kernelResult].filter((r): r is string => typeof r === 'string');
  await labState(url, alice.token);

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const headers: World['headers'] = {
    anonymous: {},
    alice: bearer(alice.token),
    bob: bearer(bob.token),
    dora: bearer(dora.token),
    admin: bearer(adminToken),
    bogus: bearer(`nrt_${randomBytes(32).toString('base64url')}`),
    aliceCookie: { Cookie: cookies.cookie, 'X-XSRFToken': cookies.xsrf },
    aliceCookieNoXsrf: { Cookie: cookies.cookie },
    staleCookie: { Cookie: `narrative_session=nrt_${randomBytes(16).toString('hex')}; _xsrf=x`, 'X-XSRFToken': 'x' },
    erin: bearer(erin.token),
  };
  const [rws, robj, rver] = report.ref.split('/');
  const values: Pools = {
    ws: [String(main.id), 'fz-main', String(pub.id), 'fz-public', String(published.id), 'fz-published', String(bobs.id), 'fz-bob', String(story.wsid)],
    obj: ['fz-reads', 'fz-report', robj!, reads.ref.split('/')[1]!, 'fz-frozen'],
    ver: ['1', rver!],
    ref: [reads.ref, report.ref, copied.ref, frozen.ref, story.ref, `${rws}/fz-report`, `fz-main/fz-report/1`],
    file: ['reads.fastq'],
    narrative: [String(story.id)],
    contentsPath: [storyPath, '', 'Untitled.ipynb'],
    checkpoint: ['1', '2'],
    job: job ? [String(job.completed), String(job.failed)] : [],
    // The callers' own tokens are never offered: revoking one would turn the rest of the run into 401s.
    token: [],
    type: ['Report.Report-1.0', 'Genomics.Reads-1.0', 'Narrative.Narrative-1.0'],
    appModule: ['fuzz'], appName: ['echo'], appVersion: ['1.0.0'], appId: ['fuzz/echo'],
    digest: job ? [job.digest] : [],
    user: ['alice', 'bob', 'dora', 'erin', 'admin'],
    sha256: [blob.sha256],
    kernel: kernel ? [kernel.kernel] : [],
    session: kernel ? [kernel.session] : [],
    kernelName: ['python3'],
    specFile: ['kernel.json', 'logo-64x64.png'],
    plugin: [box.labPlugin],
    labWorkspace: ['default', 'lab'],
    locale: ['en'],
    section: ['notebook'],
    staticFile: ['bundle.js'],
    themeFile: ['@jupyterlab/theme-light-extension/index.css'],
    path: [storyPath],
    id: [],
  };
  const spare: Pools = {
    ws: spareWs.flatMap((w) => [String(w.id), w.name]),
    narrative: spareStories.map((n) => String(n.id)),
    contentsPath: spareStories.map((n) => n.path),
    token: spareTokens.map(String),
  };
  // Spares may be made public by the destructive operations aimed at them, at any moment of the run: inside them, as inside
  // the public ones, an anonymous caller may hear that something does not exist.
  const mayBePublic = [...spareWs.flatMap((w) => [String(w.id), w.name]), ...spareStories.map((n) => String(n.wsid))];
  return { headers, values, spare, notebook: model.content, missing, publicValues: [String(pub.id), pub.name, String(published.id), published.name, ...mayBePublic] };
}

/** A browser sign-in: the session cookie and the XSRF value to echo. */
async function signIn(url: string, name: string, password: string): Promise<{ cookie: string; xsrf: string }> {
  const response = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
  if (!response.ok) throw new Error(`signing in as ${name}: ${response.status} ${await response.text()}`);
  const pairs = response.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const xsrf = pairs.find((p) => p.startsWith('_xsrf='))?.slice('_xsrf='.length) ?? '';
  return { cookie: pairs.join('; '), xsrf: decodeURIComponent(xsrf) };
}

/** Saved lab layout and settings, so the lab API's reads have something to parse. */
async function labState(url: string, token: string): Promise<void> {
  const put = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const layout = await put('/lab/api/workspaces/default', { data: { 'layout-restorer:data': { main: { dock: null } } }, metadata: { id: 'default' } });
  if (layout.status !== 204) throw new Error(`saving the lab layout: ${layout.status} ${await layout.text()}`);
  await put('/lab/api/settings/@narrative/labextension:demo', { raw: '{ "size": 4 }' });
}
