import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxImage, importDirectoryImage } from '@narrative/launcher-native';
import type { AppSpec, NarrativeClient } from '@narrative/server/client';

/**
 * The small test app: a busybox image whose script behaves as its `mode` parameter says.
 * `allocate` fills one block of `mib` MiB (dd's buffer, so the peak is that and a little),
 * then counts lines as `ok` does: it completes wherever its memory limit allows the block.
 */
const SCRIPT = `#!/bin/sh
mode=$(sed -n 's/.*"mode": *"\\([a-z-]*\\)".*/\\1/p' /in/params.json)
echo "uid $(id -u) mode $mode"
case "$mode" in
  ok)
    echo "counting lines"
    wc -l < /in/reads/reads.fastq > /out/lines.txt
    echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"line count"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  fail) echo "something broke" >&2; exit 3 ;;
  sleep)
    # The marker param goes into the sleep's environment: how a test finds its own process, not any sleep.
    marker=$(sed -n 's/.*"marker": *"\\([a-z0-9-]*\\)".*/\\1/p' /in/params.json)
    echo "sleeping"; NARRATIVE_TEST_MARKER="$marker" sleep 300 ;;
  slow)
    sleep 3
    wc -l < /in/reads/reads.fastq > /out/lines.txt
    echo '{"outputs":[{"name":"stats","data":{"title":"slow line count"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  bad-outputs) echo '{"outputs":[{"name":"stats","data":{"title":"x"}},{"name":"extra","data":{}}]}' > /out/outputs.json ;;
  random)
    # One line of noise among fixed ones: a re-run differs from line 3 on.
    printf 'line one\\nline two\\nnoise %s\\nline four\\n' "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')" > /out/lines.txt
    echo '{"outputs":[{"name":"stats","data":{"title":"noise"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  relay)
    # Counts the lines of whatever its input holds (reads, or an earlier step's count), after a pause.
    pause=$(sed -n 's/.*"pause": *\\([0-9]*\\).*/\\1/p' /in/params.json)
    sleep "\${pause:-0}"
    cat /in/reads/* | wc -l > /out/lines.txt
    echo '{"outputs":[{"name":"stats","data":{"title":"relayed count"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  env)
    seed=$(sed -n 's/.*"seed": *\\([0-9]*\\).*/\\1/p' /in/params.json)
    printf 'SOURCE_DATE_EPOCH=%s\\nTZ=%s\\nLC_ALL=%s\\nseed=%s\\n' "$SOURCE_DATE_EPOCH" "$TZ" "$LC_ALL" "$seed" > /out/lines.txt
    echo '{"outputs":[{"name":"stats","data":{"title":"environment"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  bad-type) echo '{"outputs":[{"name":"stats","data":{"no_title":1}}]}' > /out/outputs.json ;;
  allocate)
    mib=$(sed -n 's/.*"mib": *\\([0-9]*\\).*/\\1/p' /in/params.json)
    dd if=/dev/zero of=/dev/null bs="$mib"M count=1 && echo "held $mib MiB"
    wc -l < /in/reads/reads.fastq > /out/lines.txt
    echo '{"outputs":[{"name":"stats","data":{"title":"line count"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
esac
`;

/** The test app's spec, whose image is a directory placed outside the image store. */
export type TestAppSpec = AppSpec & { container: { image: { digest: string; format: 'directory' | 'docker-image'; location: string } } };

export async function buildTestApp(version = '1.0.0', resources: AppSpec['resources'] = { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 }): Promise<TestAppSpec> {
  const root = await mkdtemp(join(tmpdir(), 'narrative-test-app-'));
  await chmod(root, 0o711);
  const image = await buildBusyboxImage(join(root, 'image'), { 'run.sh': SCRIPT });
  return {
    id: 'test/count-lines',
    version,
    name: 'Count lines',
    description: 'Counts the lines of a reads file (a test app on busybox).',
    categories: ['Test'],
    inputs: [{ name: 'reads', types: ['Genomics.Reads-1.0'], required: true, description: 'reads to count' }],
    params: {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: ['ok', 'fail', 'sleep', 'slow', 'bad-outputs', 'bad-type', 'allocate', 'random', 'env', 'relay'], default: 'ok' },
        pause: { type: 'integer', minimum: 0, maximum: 60, description: 'seconds mode relay waits first' },
        seed: { type: 'integer', minimum: 0, description: 'a seed (chosen by the server for a spec that declares randomSeed)' },
        mib: { type: 'integer', minimum: 1, maximum: 4096, description: 'MiB that mode allocate fills' },
        marker: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'put in the environment of mode sleep\'s process' },
      },
    },
    outputs: [{ name: 'stats', type: 'Report.Report-1.0', description: 'the count' }],
    resources,
    network: false,
    mpi: false,
    container: { image: { digest: image.digest, format: 'directory', location: image.location } },
    argv: ['/bin/sh', '/app/run.sh'],
  };
}

/**
 * The same test app as a docker-image for the docker scheduler: buildTestApp's busybox
 * directory imported into the engine behind `socket`, pinned by the engine's image id.
 */
export async function buildDockerTestApp(socket: string, version = '1.0.0'): Promise<TestAppSpec> {
  const app = await buildTestApp(version);
  const { id } = await importDirectoryImage(socket, app.container.image.location);
  return { ...app, container: { image: { format: 'docker-image', location: id, digest: id } } };
}

/** Uploads a reads file (the test app's input) as an object; returns its reference. */
export async function uploadReads(client: NarrativeClient, ws: number | string, content: string, o: { name?: string; filename?: string } = {}): Promise<string> {
  const form = new FormData();
  form.set('name', o.name ?? 'reads');
  form.set('type', 'Genomics.Reads-1.0');
  form.set('file', new Blob([content]), o.filename ?? 'reads.fastq');
  return (await client.upload(ws, form)).ref;
}

/** The test app taking an earlier step's count as well as reads: the links of a narrative's chain of cells. */
export function relayApp(app: TestAppSpec): TestAppSpec {
  return { ...app, id: 'test/relay', inputs: [{ name: 'reads', types: ['Genomics.Reads-1.0', 'Report.Report-1.0'], required: true, description: 'reads, or a count' }] };
}
