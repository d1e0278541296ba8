import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildOciArchive, MKSQUASHFS_OPTIONS } from '@narrative/launcher-native';
import { BUILT_APPS_CACHE } from '../support/built-apps.js';
import { cliHomeIn, runCli } from '../support/cli.js';
import { ServerProcesses, type Served } from '../support/server-process.js';
import { figure, interleave, median, repeat, since, type Benchmark, type Figure } from './benchmark.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const ROUNDS = 3;
const REREGISTERS = 5;
const APP_ID = 'bench/image-register';
/** Debian images `narrative app build` left in the test build cache, nearest the issue's ~120 MiB first. */
const CACHED_DEBIAN_BUILDS = ['prodigal', 'assembly-stats'];
const SYNTHETIC_MIB = 120;

/**
 * `narrative app register` of an app whose image the server has never seen
 * (push, check, unpack, pack SquashFS), each round on a fresh server, against
 * what the same bytes cost by hand: cp of the OCI archive, tar -x of it and of
 * its layer, and mksquashfs with the server's own options. Then a register of
 * a new version on the same image, which the server already holds, against
 * one authenticated GET through the same CLI.
 */
const imageRegister: Benchmark = {
  name: 'image-register',
  title: 'App registration with a ~130 MiB image: `narrative app register` against cp + tar -x + mksquashfs by hand',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'narrative-bench-image-'));
    // The last fresh server stays up for the re-registers; the others go as the next round starts.
    const last: { held: Registered | null } = { held: null };
    try {
      await chmod(dir, 0o711);
      const image = await preparedImage(dir);
      const build = await buildDirectory(dir, image);
      let round = 0;
      const syncs: number[] = [];
      const first = await interleave(ROUNDS, async () => {
        await last.held?.servers.cleanup();
        last.held = await registerOnFreshServer(dir, build, round++);
        return last.held.ms;
      }, () => copyAndPackByHand(dir, image, syncs));

      const { served, cliHome } = last.held!;
      const target = { url: served.url, home: cliHome, token: served.token, timeoutMs: 5 * 60_000 };
      let version = 1;
      const again = await interleave(REREGISTERS, async () => {
        const app = await appDirectory(dir, `1.0.${version++}`);
        const started = performance.now();
        await cli(['--json', 'app', 'register', app, '--build', build], target);
        return since(started);
      }, async () => {
        const started = performance.now();
        await cli(['--json', 'app', 'show', `${APP_ID}@1.0.0`], target);
        return since(started);
      });

      const cliStart = await repeat(3, async () => {
        const started = performance.now();
        await cli(['--version'], target);
        return since(started);
      });

      const described = `${image.what}, a ${image.mib.toFixed(0)} MiB OCI archive`;
      return [
        figure({
          name: 'register a new image', unit: 'ms', samples: first.measured,
          baseline: { name: 'cp of the archive, tar -x of it and of its layer, mksquashfs with the server\'s options', samples: first.baseline },
          target: { ratio: 1.5, at: 'most' },
          notes: `${described}; each round on a fresh server and home; the CLI process included (${(median(cliStart) / 1000).toFixed(2)} s to start), and the server syncs what it wrote, which the by-hand path skips (sync --file-system after it: ${(median(syncs) / 1000).toFixed(2)} s, not counted)`,
        }),
        figure({
          name: 'register again on a stored image', unit: 'ms', samples: again.measured,
          baseline: { name: '`narrative app show` (one authenticated GET) through the same CLI', samples: again.baseline },
          notes: `a new version of the app on the image the server holds, no upload: ${(median(again.measured) / 1000).toFixed(2)} s (target under 1 s: ${median(again.measured) < 1000 ? 'met' : 'missed'}), of which starting the CLI process (narrative --version) takes ${(median(cliStart) / 1000).toFixed(2)} s`,
        }),
      ];
    } finally {
      await last.held?.servers.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

interface Image {
  archive: string;
  digest: string;
  layerHex: string;
  mib: number;
  what: string;
}

interface Registered {
  ms: number;
  servers: ServerProcesses;
  served: Served;
  cliHome: string;
}

/**
 * A realistic Debian root file system when the test build cache holds one
 * (thousands of files, mostly compressible); otherwise a tree built here of
 * half random, half text-like files, packed with buildOciArchive.
 */
async function preparedImage(dir: string): Promise<Image> {
  const archive = join(dir, 'image.oci.tar');
  let what = '';
  for (const app of CACHED_DEBIAN_BUILDS) {
    const cached = join(BUILT_APPS_CACHE, app, 'image.oci.tar');
    if (await copyFile(cached, archive).then(() => true, () => false)) {
      what = `the Debian image of ${app} from the test build cache`;
      break;
    }
  }
  if (!what) {
    const tree = join(dir, 'tree');
    await writeSyntheticTree(tree, SYNTHETIC_MIB * MiB);
    await buildOciArchive(tree, archive);
    await rm(tree, { recursive: true });
    what = `a synthetic tree (no Debian build cached in ${BUILT_APPS_CACHE})`;
  }
  const index = JSON.parse(await member(archive, 'index.json')) as { manifests: { digest: string }[] };
  const digest = index.manifests[0]!.digest;
  const manifest = JSON.parse(await member(archive, `blobs/sha256/${hexOf(digest)}`)) as { layers: { digest: string }[] };
  return { archive, digest, layerHex: hexOf(manifest.layers[0]!.digest), mib: (await stat(archive)).size / MiB, what };
}

async function member(archive: string, name: string): Promise<string> {
  return (await run('tar', ['-xOf', archive, name], { maxBuffer: MiB })).stdout;
}

const hexOf = (digest: string): string => digest.slice('sha256:'.length);

async function writeSyntheticTree(tree: string, bytes: number): Promise<void> {
  const fileBytes = 96 * 1024;
  for (let n = 0; n * fileBytes < bytes; n++) {
    const sub = join(tree, `d${n % 16}`);
    await mkdir(sub, { recursive: true });
    const random = randomFillSync(Buffer.alloc(n % 2 === 0 ? fileBytes : fileBytes / 2));
    // Hex text of random bytes: compresses about as well as binaries and docs in a real image.
    await writeFile(join(sub, `f${n}`), n % 2 === 0 ? random : Buffer.from(random.toString('hex')));
  }
}

const RECIPE = { suite: 'bookworm', variant: 'minbase', packages: ['bench-image=1.0'], sourceDateEpoch: 0, files: {} };

/** What `narrative app build` leaves: the archive and its build record, whose source digest is the CLI's for a recipe naming no files. */
async function buildDirectory(dir: string, image: Image): Promise<string> {
  const build = join(dir, 'build');
  await mkdir(build);
  await copyFile(image.archive, join(build, 'image.oci.tar'));
  const sourceDigest = `sha256:${createHash('sha256').update(JSON.stringify(RECIPE)).digest('hex')}`;
  const record = { digest: image.digest, layerDigest: `sha256:${image.layerHex}`, sourceDigest, builtAt: new Date().toISOString(), seconds: 0, lock: {} };
  await writeFile(join(build, 'image.json'), JSON.stringify(record));
  await appDirectory(dir, '1.0.0');
  return build;
}

/** An app directory as its developer keeps it: app.json with this version, and its recipe. */
async function appDirectory(dir: string, version: string): Promise<string> {
  const app = join(dir, `app-${version}`);
  await mkdir(app, { recursive: true });
  await writeFile(join(app, 'recipe.json'), JSON.stringify(RECIPE));
  await writeFile(join(app, 'app.json'), JSON.stringify({
    id: APP_ID, version, name: 'Image registration benchmark', description: 'Registered, never run: its image is what is measured.',
    categories: ['Test'], inputs: [], params: { type: 'object', properties: {} },
    outputs: [{ name: 'report', type: 'Report.Report-1.0', description: 'none' }],
    resources: { cpus: 1, memoryMiB: 64, timeMinutes: 1, gpus: 0 }, network: false, mpi: false,
    container: { recipe: 'recipe.json' }, argv: ['/bin/true'],
  }));
  return app;
}

async function registerOnFreshServer(dir: string, build: string, round: number): Promise<Registered> {
  const servers = new ServerProcesses();
  try {
    const served = await servers.serve(await servers.newHome('narrative-bench-image-home-'));
    const cliHome = await cliHomeIn(await mkdtemp(join(dir, `round-${round}-`)));
    const started = performance.now();
    await cli(['--json', 'app', 'register', join(dir, 'app-1.0.0'), '--build', build], { url: served.url, home: cliHome, token: served.token, timeoutMs: 5 * 60_000 });
    return { ms: since(started), servers, served, cliHome };
  } catch (error) {
    await servers.cleanup();
    throw error;
  }
}

async function cli(args: string[], target: Parameters<typeof runCli>[1]): Promise<void> {
  const result = await runCli(args, target);
  if (result.code !== 0) throw new Error(`narrative ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
}

/** The floor: the same bytes copied, unpacked and packed by hand, nothing checked and nothing synced (what a sync would then cost goes to `syncs`). */
async function copyAndPackByHand(dir: string, image: Image, syncs: number[]): Promise<number> {
  const work = await mkdtemp(join(dir, 'by-hand-'));
  try {
    const started = performance.now();
    const archive = join(work, 'image.oci.tar');
    await run('cp', [image.archive, archive]);
    await mkdir(join(work, 'layout'));
    await run('tar', ['-xf', archive, '-C', join(work, 'layout')]);
    await mkdir(join(work, 'rootfs'));
    await run('tar', ['-xf', join(work, 'layout', 'blobs', 'sha256', image.layerHex), '-C', join(work, 'rootfs'), '--no-same-owner', '--no-same-permissions']);
    await run('mksquashfs', [join(work, 'rootfs'), join(work, 'image.sqfs'), ...MKSQUASHFS_OPTIONS]);
    const packed = since(started);
    const syncing = performance.now();
    await run('sync', ['--file-system', work]);
    syncs.push(since(syncing));
    return packed;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export default imageRegister;
