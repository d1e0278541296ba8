import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildOciArchive } from '@narrative/launcher-native';
import { saveAppCells } from '../support/app-cells.js';
import { ServerProcesses } from '../support/server-process.js';
import { buildTestApp, relayApp } from '../support/test-app.js';
import { memoryOf, resetPeak } from './process-memory.js';
import { figure, type Benchmark, type Figure } from './benchmark.js';

const MiB = 1024 * 1024;

/**
 * An offline archive of a narrative whose app image weighs over 1 GB
 * (random bytes: nothing compresses them), exported and imported through
 * the HTTP API of real server processes. Each phase's peak resident memory
 * is read against the same phase of an archive twenty times lighter, in
 * the same run: flat memory means a ratio near 1 whatever the archive weighs.
 */
const archiveMemory: Benchmark = {
  name: 'archive-memory',
  title: 'Offline archive of a narrative with a >1 GB image: server memory while exporting and importing',
  async run(): Promise<Figure[]> {
    const heavyMiB = Number(process.env.NARRATIVE_BENCH_IMAGE_MIB ?? 1200);
    const light = await exportAndImport(Math.ceil(heavyMiB / 20));
    const heavy = await exportAndImport(heavyMiB);
    const row = (what: 'export' | 'import'): Figure => figure({
      name: `${what} peak RSS`, unit: 'MiB', samples: [heavy[what].peakMiB],
      baseline: { name: `the same for a ${light.archiveMiB.toFixed(0)} MiB archive`, samples: [light[what].peakMiB] },
      target: { ratio: 1.25, at: 'most' },
      notes: `${heavy.archiveMiB.toFixed(0)} MiB archive in ${heavy[what].seconds.toFixed(1)} s (${(heavy.archiveMiB / heavy[what].seconds).toFixed(0)} MiB/s); at rest before: ${heavy[what].restMiB.toFixed(0)} MiB`,
    });
    return [row('export'), row('import')];
  },
};

/** One narrative whose image weighs `imageMiB`: its archive exported from one server process and imported into a fresh one. */
async function exportAndImport(imageMiB: number): Promise<{ archiveMiB: number; export: Phase; import: Phase }> {
  const dir = await mkdtemp(join(tmpdir(), 'narrative-bench-archive-'));
  const servers = new ServerProcesses();
  try {
    await chmod(dir, 0o711);
    const rootfs = join(dir, 'rootfs');
    await mkdir(rootfs);
    await writeRandom(join(rootfs, 'payload.bin'), imageMiB * MiB);
    const image = await buildOciArchive(rootfs, join(dir, 'image.oci.tar'));
    await rm(rootfs, { recursive: true });

    const source = await servers.serve(await servers.newHome());
    await source.client.pushImage(image.digest, await openAsBlob(image.location));
    const app = { ...relayApp(await buildTestApp()), id: 'bench/heavy', container: { image: { digest: image.digest } } };
    await source.client.registerApp(app);
    const narrative = await source.client.createNarrative('Heavy image');
    await saveAppCells(source.client, narrative, [{ id: 'heavy', app: app.id, version: app.version, params: {}, inputs: {} }]);

    const archive = join(dir, 'heavy.tar');
    const exported = await phase(source.proc.pid!, async () => {
      const response = await fetch(`${source.url}/api/v1/narratives/${narrative.id}/export?format=archive`, { headers: { Authorization: `Bearer ${source.token}` } });
      if (!response.ok || !response.body) throw new Error(`export answered ${response.status}: ${await response.text()}`);
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(archive));
    });
    const target = await servers.serve(await servers.newHome());
    const imported = await phase(target.proc.pid!, async () => {
      const response = await fetch(`${target.url}/api/v1/imports`, {
        method: 'POST', headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': 'application/x-tar' },
        body: Readable.toWeb(createReadStream(archive)) as ReadableStream, duplex: 'half',
      } as RequestInit);
      if (!response.ok) throw new Error(`import answered ${response.status}: ${await response.text()}`);
    });
    return { archiveMiB: (await stat(archive)).size / MiB, export: exported, import: imported };
  } finally {
    await servers.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Phase {
  restMiB: number;
  peakMiB: number;
  seconds: number;
}

async function phase(pid: number, work: () => Promise<void>): Promise<Phase> {
  await resetPeak(pid);
  const { rssMiB: restMiB } = await memoryOf(pid);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  return { restMiB, peakMiB: (await memoryOf(pid)).peakMiB, seconds };
}

async function writeRandom(file: string, bytes: number): Promise<void> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let left = bytes; left > 0; left -= 4 * MiB) yield randomFillSync(Buffer.alloc(Math.min(left, 4 * MiB)));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(file));
}
export default archiveMemory;
