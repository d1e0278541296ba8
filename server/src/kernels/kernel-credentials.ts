import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { dueForRenewal, issueKernelToken, renewKernelToken } from '../auth/kernel-tokens.js';
import { narrativeIdOf } from '../contents/paths.js';
import type { Context } from '../domain/context.js';
import { atLeast, levelOf, type Caller } from '../domain/permissions.js';
import { API_SOCKET, openApiSocket } from './api-socket.js';
import { askJupyter } from './jupyter-http.js';
import { IMAGE_DIGEST_PATTERN } from '../schemas/common.js';
import { isKernelId } from './kernel-id.js';
import { removeCredentials, writeCredentials } from './credentials-file.js';
import { unavailable } from './unavailable.js';
import type { UserServer } from './jupyter-pool.js';
import { serverSocket, userDirs, type UserDirs } from './launch.js';

/** What the `narrative` package in a kernel reads: where the server is, and the kernel's own token. */
export interface CredentialsFile {
  url: string;
  /** The API socket's name in the directory of the kernel's connection file (api-socket.ts): preferred to `url` where it exists. */
  socket: string;
  token: string;
  narrative: number;
  workspace: number;
  kernel: string;
  expires: string;
}

interface Issued {
  /** The user's server the kernel runs in: its end ends the kernel (a later server of the user has the same home). */
  server: UserServer;
  userId: number;
  tokenId: number;
  narrative: number;
  home: string;
  file: Omit<CredentialsFile, 'token'>;
  token: string;
}

const SESSION = /^\/api\/sessions\/([^/]+)$/;
const KERNEL = /^\/api\/kernels\/([^/]+)$/;
const RESTART = /^\/api\/kernels\/([^/]+)\/restart$/;
const IMAGE_DIGEST = new RegExp(IMAGE_DIGEST_PATTERN);

/** The credentials file of a kernel, in its user's home: named by the kernel's id, which ipykernel knows from its connection file. */
export function credentialsFileName(kernelId: string): string {
  return `kernel-${kernelId}.json`;
}

/**
 * Credentials for code in narratives' kernels. When the lab starts a session
 * for a narrative's notebook, the kernel gets a token of its user's scoped to
 * that narrative (auth/kernel-tokens.ts), written into the user's private home
 * as `.narrative/kernel-<kernel id>.json` (0600, theirs): never into the
 * notebook, the kernel's command line or the log. The token is revoked when
 * the session or kernel is deleted or the user's server stops, renewed while
 * the lab keeps connecting to the kernel, and otherwise expires.
 */
export class KernelCredentials {
  private readonly byKernel = new Map<string, Issued>();
  private readonly kernelOfSession = new Map<string, string>();
  private readonly turns = new Map<string, Promise<void>>();
  /** Each user server's API socket, opened with its first credentials and closed when it ends. */
  private readonly sockets = new Map<UserServer, Promise<() => Promise<void>>>();

  constructor(private readonly ctx: Context) {}

  /** After the user's server answered a kernel or session request with success: issues, revokes or resets what it concerns. */
  async answered(caller: Caller, server: UserServer, req: IncomingMessage, method: string, pathname: string, body: Buffer): Promise<void> {
    if ((method === 'POST' && pathname === '/api/sessions') || (method === 'PATCH' && SESSION.test(pathname))) {
      const session = parse(body);
      if (!session) return;
      // A session moved to another kernel: jupyter_server shut the old one down, and its token goes with it.
      const before = this.kernelOfSession.get(session.id);
      this.kernelOfSession.set(session.id, session.kernel);
      // Both queued now, so a DELETE of the session that comes meanwhile is queued after them.
      await Promise.all([
        before && before !== session.kernel ? this.inTurn(before, () => this.revoke(caller, before)) : undefined,
        this.inTurn(session.kernel, () => this.forSession(caller, server, req, session)),
      ]);
    } else if (method === 'DELETE' && SESSION.test(pathname)) {
      const id = SESSION.exec(pathname)![1]!;
      const kernel = this.kernelOfSession.get(id);
      this.kernelOfSession.delete(id);
      if (kernel) await this.inTurn(kernel, () => this.revoke(caller, kernel));
    } else if (method === 'DELETE' && KERNEL.test(pathname)) {
      const kernel = KERNEL.exec(pathname)![1]!;
      await this.inTurn(kernel, () => this.revoke(caller, kernel));
    } else if (method === 'POST' && RESTART.test(pathname)) {
      // A restarted kernel has forgotten what it read: its next save names only what it reads from now on.
      const issued = this.byKernel.get(RESTART.exec(pathname)![1]!);
      if (issued?.userId === caller.id) await this.ctx.store.forgetTokenReads(issued.tokenId);
    }
  }

  /** The lab connected to a kernel: a token past half its life is renewed, so a kernel in use keeps working. */
  async connected(caller: Caller, kernelId: string): Promise<void> {
    await this.inTurn(kernelId, async () => {
      const issued = this.byKernel.get(kernelId);
      if (issued?.userId !== caller.id || !dueForRenewal(issued.file.expires, this.ctx.now())) return;
      issued.file.expires = await renewKernelToken(this.ctx, issued.tokenId);
      await writeCredentials(issued.home, credentialsFileName(kernelId), contentOf(issued));
    });
  }

  /**
   * One kernel's changes take turns: two sessions the lab opens at once on one
   * kernel must not each mint a token (one would never be revoked), nor a
   * renewal write a file a revocation just removed.
   */
  private inTurn(kernelId: string, work: () => Promise<void>): Promise<void> {
    const turn = (this.turns.get(kernelId) ?? Promise.resolve()).then(work);
    const settled = turn.catch(() => undefined);
    this.turns.set(kernelId, settled);
    void settled.then(() => {
      if (this.turns.get(kernelId) === settled) this.turns.delete(kernelId);
    });
    return turn;
  }

  private async forSession(caller: Caller, server: UserServer, req: IncomingMessage, session: Session): Promise<void> {
    const narrative = await this.readableNarrative(caller, session.path);
    const current = this.byKernel.get(session.kernel);
    if (current && current.narrative === narrative?.id && current.userId === caller.id) return;
    if (current) await this.revoke(caller, session.kernel);
    if (!narrative) return;
    const { home } = dirsOf(server);
    const url = loopbackUrl(req);
    try {
      await this.apiSocket(server, url);
    } catch (error) {
      throw unavailable(`Your kernel started, but its way to the narrative's data could not be opened: ${(error as Error).message.slice(0, 300)}`);
    }
    const kernelImage = await imageOf(server, session.kernelName);
    const minted = await issueKernelToken(this.ctx, caller.id, { wsid: narrative.wsid, narrativeId: narrative.id, kernelImage });
    const issued: Issued = {
      server,
      userId: caller.id,
      tokenId: minted.id,
      narrative: narrative.id,
      home,
      token: minted.token,
      file: { url, socket: API_SOCKET, narrative: narrative.id, workspace: narrative.wsid, kernel: session.kernel, expires: minted.expiresAt },
    };
    this.byKernel.set(session.kernel, issued);
    try {
      await writeCredentials(home, credentialsFileName(session.kernel), contentOf(issued));
    } catch (error) {
      await this.revoke(caller, session.kernel);
      throw unavailable(`Your kernel started, but its access to the narrative's data could not be set up: ${(error as Error).message.slice(0, 300)}`);
    }
  }

  /** The narrative a session's path names, when the caller may read it; null for any other path. */
  private async readableNarrative(caller: Caller, path: string) {
    let id: number | null;
    try {
      id = narrativeIdOf(path);
    } catch {
      return null;
    }
    const narrative = id === null ? undefined : await this.ctx.store.getNarrative(id);
    const ws = narrative && !narrative.deletedAt ? await this.ctx.store.getWorkspace(narrative.wsid) : undefined;
    return narrative && ws && atLeast(await levelOf(this.ctx.store, caller, ws), 'read') ? narrative : null;
  }

  private async revoke(caller: Caller, kernelId: string): Promise<void> {
    const issued = this.byKernel.get(kernelId);
    if (issued?.userId !== caller.id) return;
    this.byKernel.delete(kernelId);
    await this.ctx.store.revokeToken(issued.userId, issued.tokenId, this.ctx.now());
    // A revoked token saves nothing more: what it read is no longer anyone's input.
    await this.ctx.store.forgetTokenReads(issued.tokenId);
    await removeCredentials(issued.home, credentialsFileName(kernelId)).catch(() => undefined);
  }

  /**
   * Opens the user server's API socket once (again after a failure). When the
   * server ends, so do its kernels: the socket closes and their tokens are
   * revoked (their files went with the directory).
   */
  private apiSocket(server: UserServer, url: string): Promise<unknown> {
    let opened = this.sockets.get(server);
    if (opened) return opened;
    const target = new URL(url);
    opened = openApiSocket(dirsOf(server).runtime, { host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port) });
    this.sockets.set(server, opened);
    opened.then(
      () => void server.jupyter.exited.then(() => this.ended(server)),
      () => this.sockets.delete(server),
    );
    return opened;
  }

  private async ended(server: UserServer): Promise<void> {
    const close = await this.sockets.get(server);
    this.sockets.delete(server);
    await close?.().catch(() => undefined);
    for (const [kernel, issued] of [...this.byKernel]) {
      if (issued.server !== server) continue;
      this.byKernel.delete(kernel);
      for (const [session, of] of this.kernelOfSession) if (of === kernel) this.kernelOfSession.delete(session);
      await this.ctx.store.revokeToken(issued.userId, issued.tokenId, this.ctx.now()).catch(() => undefined);
      await this.ctx.store.forgetTokenReads(issued.tokenId).catch(() => undefined);
    }
  }
}

function contentOf(issued: Issued): string {
  const file: CredentialsFile = { ...issued.file, token: issued.token };
  return `${JSON.stringify(file, null, 2)}\n`;
}

interface Session {
  id: string;
  path: string;
  kernel: string;
  kernelName: string;
}

/** A session model's id, path, kernel id and kernelspec name, or null when it is not one (a kernel id that is not a UUID included). */
function parse(body: Buffer): Session | null {
  try {
    const model = JSON.parse(body.toString('utf8')) as { id?: unknown; path?: unknown; kernel?: { id?: unknown; name?: unknown } | null };
    const kernel = model.kernel?.id;
    const kernelName = model.kernel?.name;
    if (typeof model.id !== 'string' || typeof model.path !== 'string' || !isKernelId(kernel) || typeof kernelName !== 'string') return null;
    return { id: model.id, path: model.path, kernel, kernelName };
  } catch {
    return null;
  }
}

/**
 * The image a kernel runs in, as its kernelspec's metadata names it
 * (`narrative.image`; the kernelspecs are the server's own, root-written and
 * the only ones a user's server finds: launch.ts), or null for the host's
 * Python. Recorded with its token, so a save's provenance names the image
 * from what the server started, not from what the kernel says.
 */
async function imageOf(server: UserServer, kernelName: string): Promise<string | null> {
  const answer = await askJupyter(server.jupyter, 'GET', `/api/kernelspecs/${encodeURIComponent(kernelName)}`, { timeoutMs: 10_000 }).catch(() => null);
  if (answer?.status !== 200) throw unavailable(`Your kernel started, but its kernelspec ${kernelName} could not be read to record its image.`);
  let image: unknown;
  try {
    image = (JSON.parse(answer.body.toString('utf8')) as { spec?: { metadata?: { narrative?: { image?: unknown } } } }).spec?.metadata?.narrative?.image;
  } catch {
    throw unavailable(`Your kernel started, but its kernelspec ${kernelName} is not JSON.`);
  }
  return typeof image === 'string' && IMAGE_DIGEST.test(image) ? image : null;
}

/**
 * A user's directories, from where their server's socket is (launch.ts lays
 * both out under the user's directory); checked against that layout, so a
 * change to it fails here by name instead of writing somewhere else.
 */
function dirsOf(server: UserServer): UserDirs {
  const dirs = userDirs(dirname(dirname(server.jupyter.socket)));
  if (serverSocket(dirs) !== server.jupyter.socket) throw new Error(`cannot tell the kernel home from the server socket ${server.jupyter.socket}`);
  return dirs;
}

/**
 * This server as kernels on this machine reach it: the address and port the
 * request came in on, over loopback when the server listens there or on all
 * addresses. Never the Host header, which the browser (or anyone) chooses.
 */
export function loopbackUrl(req: IncomingMessage): string {
  const { localAddress, localPort } = req.socket;
  const bound = (req.socket as { server?: { address(): unknown } }).server?.address();
  const boundHost = typeof bound === 'object' && bound !== null ? (bound as { address?: string }).address : undefined;
  const wildcard = boundHost === '0.0.0.0' || boundHost === '::';
  const host = wildcard || !localAddress ? '127.0.0.1' : localAddress.replace(/^::ffff:/, '');
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${localPort}`;
}
