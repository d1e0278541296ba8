import { buildBusyboxImage } from '@narrative/launcher-native';
import { failureOf, type NarrativeClient } from '@narrative/server/client';

/** The fuzz app: reads its `mode`, fails for `fail`, else saves one report. Parameters are only ever read, never run. */
const SCRIPT = `#!/bin/sh
mode=$(sed -n 's/.*"mode": *"\\([a-z-]*\\)".*/\\1/p' /in/params.json)
echo "mode $mode"
[ "$mode" = fail ] && exit 3
echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"fuzz"}}]}' > /out/outputs.json
`;

/**
 * Registers the fuzz app and runs it twice (one completed job, one failed), so
 * job reads, logs, events, cancel and retry have real jobs to act on. Returns
 * why not when this machine cannot run apps (no busybox, no runtime).
 */
export async function startJob(admin: NarrativeClient, alice: NarrativeClient, imageDir: string, ws: number, readsRef: string): Promise<{ completed: number; failed: number; digest: string } | string> {
  try {
    const image = await buildBusyboxImage(imageDir, { 'run.sh': SCRIPT });
    await admin.registerApp({
      id: 'fuzz/echo', version: '1.0.0', name: 'Fuzz echo', description: 'Saves one report (a fuzz test app on busybox).', categories: ['Test'],
      inputs: [{ name: 'reads', types: ['Genomics.Reads-1.0'], required: true, description: 'any reads' }],
      params: { type: 'object', properties: { mode: { type: 'string', enum: ['ok', 'fail'], default: 'ok' } } },
      outputs: [{ name: 'stats', type: 'Report.Report-1.0', description: 'a report' }],
      resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 }, network: false, mpi: false,
      container: { image: { digest: image.digest, format: 'directory', location: image.location } },
      argv: ['/bin/sh', '/app/run.sh'],
    });
    const run = (mode: string) => alice.run({ app: 'fuzz/echo', ws: String(ws), inputs: { reads: readsRef }, params: { mode } });
    const [ok, bad] = [await run('ok'), await run('fail')];
    const [done, failed] = [await alice.waitForJob(ok.id, { timeoutMs: 60_000 }), await alice.waitForJob(bad.id, { timeoutMs: 60_000 })];
    if (done.state !== 'completed') return `the fuzz app's job ended ${done.state}: ${JSON.stringify(failureOf(done))}`;
    if (failed.state !== 'failed') return `the fuzz app's failing job ended ${failed.state}`;
    return { completed: ok.id, failed: bad.id, digest: image.digest };
  } catch (error) {
    return `jobs cannot run here: ${(error as Error).message}`;
  }
}

/**
 * One kernel session through the proxy (the only real kernel the run starts),
 * or why not: the server runs code cells only as root with its kernel account
 * and Debian's jupyter_server.
 */
export async function startKernelSession(url: string, token: string, path: string): Promise<{ kernel: string; session: string } | string> {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const specs = await fetch(`${url}/api/kernelspecs`, { headers });
  if (specs.status !== 200) return `the kernel proxy is off (GET /api/kernelspecs: ${specs.status}); it needs root and python3-jupyter-server`;
  const response = await fetch(`${url}/api/sessions`, { method: 'POST', headers, body: JSON.stringify({ path, type: 'notebook', name: '', kernel: { name: 'python3' } }) });
  if (response.status !== 201) return `starting a kernel session: ${response.status} ${await response.text()}`;
  const session = (await response.json()) as { id: string; kernel: { id: string } };
  return { kernel: session.kernel.id, session: session.id };
}
