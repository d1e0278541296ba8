import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { WITHOUT_NETWORK } from '@narrative/launcher-native';
import type { Context } from '../domain/context.js';
import { kernelImages, type KernelImage } from './kernel-images.js';
import { kernelspecsFor, writeKernelspecs } from './launch.js';
import { PYTHON_CLIENT_DIR } from './python-client.js';
import type { KernelSettings } from './settings.js';
import { SpecCache } from './spec-cache.js';

/** An account in no group and owning nothing: what it can read, every kernel uid can. */
const NOBODY = '65534';
/** A failed try may have been the machine's load (a 30 s timeout) rather than the image: tried again after this long. */
const RETRY_FAILED_MS = 5 * 60_000;

/**
 * The shared kernelspecs, kept in step with the offered kernel images: written
 * at start and again whenever an offer changes (one rewrite at a time, the
 * last change always seen). Each image is tried, as nobody, the way its
 * kernels will run (unprivileged ch-run, no network, its directory read by a
 * uid in no group, its python3 importing ipykernel: any stored image can be
 * offered, an app's too); one that fails is left out, logged with why, and
 * tried again a few minutes later. One that passed is not tried again.
 */
export class SharedKernelspecs {
  private running: Promise<void> = Promise.resolve();
  private readonly tried = new Map<string, { problem: Promise<string | null>; at: number; failed: boolean }>();
  private client: Promise<string | null> | null = null;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** What was written last, to leave unchanged kernelspecs (and the answers cached from them) alone. */
  private written: string | null = null;

  constructor(
    private readonly ctx: Pick<Context, 'store' | 'images'>,
    private readonly shared: string,
    private readonly settings: KernelSettings,
    private readonly logger: Logger,
  ) {}

  /** Rewrites the kernelspecs after whatever rewrite is under way. */
  refresh(): Promise<void> {
    this.running = this.running.then(() => this.write()).catch((error: unknown) => this.logger.error({ err: error }, 'code cells: the kernelspecs could not be written'));
    return this.running;
  }

  /** No retry after the platform stops. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
  }

  private async write(): Promise<void> {
    const images = await kernelImages(this.ctx);
    const usable = new Set<string>();
    let failed = false;
    for (const image of images) {
      if (image.rootfs === null) continue;
      const problem = await this.tryImage(image);
      if (problem === null) usable.add(image.digest);
      else failed = true;
    }
    if (failed && !this.retry && !this.closed) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        if (!this.closed) void this.refresh();
      }, RETRY_FAILED_MS).unref();
    }
    const client = await (this.client ??= clientDir(this.logger));
    const wanted = kernelspecsFor(this.shared, this.settings, images, { client, usable: (i) => usable.has(i.digest) });
    // Unchanged (a retry that failed again): the cached answers stay, so no open lab tab starts a server.
    const written = JSON.stringify([wanted.default, [...wanted.specs]]);
    if (written === this.written) return;
    await writeKernelspecs(this.shared, wanted);
    this.written = written;
    SpecCache.invalidateAll();
    this.logger.info({ kernelspecs: [...wanted.specs.keys()], default: wanted.default }, 'code cells: kernelspecs written');
  }

  private tryImage(image: KernelImage): Promise<string | null> {
    const known = this.tried.get(image.digest);
    if (known && !(known.failed && Date.now() - known.at >= RETRY_FAILED_MS)) return known.problem;
    const tried = { at: Date.now(), failed: false, problem: Promise.resolve<string | null>(null) };
    tried.problem = tryAsNobody(image.rootfs!, this.settings.network).then((problem) => {
      if (problem) {
        tried.failed = true;
        this.logger.warn({ image: image.digest, problem }, `code cells: a kernel image cannot run here, so it is not offered (tried again in ${RETRY_FAILED_MS / 60_000} minutes)`);
      }
      return problem;
    });
    this.tried.set(image.digest, tried);
    return tried.problem;
  }
}

/** Why the image's python3 cannot import ipykernel as nobody, run the way a kernel would be, or null. */
function tryAsNobody(rootfs: string, network: KernelSettings['network']): Promise<string | null> {
  const isolate = network === 'none' ? WITHOUT_NETWORK : [];
  const argv = ['--reuid', NOBODY, '--regid', NOBODY, '--clear-groups', '--', ...isolate, 'ch-run', '--private-tmp', rootfs, '--', 'python3', '-c', 'import ipykernel'];
  return new Promise((resolve) => {
    // ch-run wants $USER.
    execFile('setpriv', argv, { timeout: 30_000, env: { PATH: '/usr/local/bin:/usr/bin:/bin', USER: 'nobody', LANG: 'C.UTF-8' } }, (error, _stdout, stderr) => {
      resolve(error ? (stderr.trim().split('\n').pop() || error.message).slice(0, 300) : null);
    });
  });
}

/** server/python (the `narrative` package, bound into every kernel of an image) when every kernel uid can read it, else null (said once: kernels then have no `import narrative`). */
async function clientDir(logger: Logger): Promise<string | null> {
  if (!(await stat(PYTHON_CLIENT_DIR).then((s) => s.isDirectory(), () => false))) {
    logger.warn({ dir: PYTHON_CLIENT_DIR }, 'code cells: the Python client is not there, so kernels cannot import narrative');
    return null;
  }
  const readable = await new Promise<boolean>((resolve) => {
    execFile('setpriv', ['--reuid', NOBODY, '--regid', NOBODY, '--clear-groups', '--', 'test', '-r', PYTHON_CLIENT_DIR, '-a', '-x', PYTHON_CLIENT_DIR], (error) => resolve(!error));
  });
  if (!readable) logger.warn({ dir: PYTHON_CLIENT_DIR }, "code cells: kernels' uids cannot read the Python client (a parent directory not traversable by others?), so kernels cannot import narrative");
  return readable ? PYTHON_CLIENT_DIR : null;
}
