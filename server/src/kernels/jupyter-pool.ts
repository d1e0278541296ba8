import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Caller } from '../domain/permissions.js';
import { Problem } from '../errors.js';
import type { Store } from '../store/store.js';
import { askJupyter } from './jupyter-http.js';
import type { KernelAccounts } from './kernel-accounts.js';
import type { KernelSettings } from './settings.js';
import { unavailable } from './unavailable.js';
import { startUserJupyter, type UserJupyter } from './user-jupyter.js';

/** A user's running server as the proxy sees it. */
export interface UserServer {
  jupyter: UserJupyter;
  /** The user started something or had kernels then (ms since the epoch): the idle clock starts there. */
  busyAt: number;
  /** The tokens (sign-ins, API tokens) the user reached their kernels with: once all are revoked, the server goes. */
  tokens: Set<number>;
}

export interface PoolOptions {
  settings: KernelSettings;
  /** run/jupyter: each user's directory is in it, named by user id. */
  dir: string;
  shared: string;
  accounts: KernelAccounts;
  store: Store;
  logger: Logger;
}

/**
 * One Jupyter server per user, started on that user's first need of one,
 * at most once at a time, and stopped when idle, signed out, removed or at close.
 */
export class JupyterPool {
  /** Started or starting; a failed start is dropped, so the next request tries again. */
  private readonly servers = new Map<number, Promise<UserServer>>();
  private readonly live = new Map<number, UserServer>();
  /** A user's server on its way down: their next one waits for it, since it reuses the same directory. */
  private readonly stopping = new Map<number, Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private sweeping = false;
  private closed = false;

  constructor(private readonly o: PoolOptions) {
    const every = Math.max(500, Math.min(30_000, (o.settings.serverIdleSeconds * 1000) / 2));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  /**
   * The caller's server: the running one, or (when `start`) one started now; a start
   * under way is waited for either way. Undefined when there is none and `start` is false:
   * a user without a server has no kernels, which needs no server to say.
   */
  async serverFor(caller: Caller, start: boolean): Promise<UserServer | undefined> {
    if (this.closed) throw unavailable('The server is shutting down.');
    let pending = this.servers.get(caller.id);
    if (!pending) {
      if (!start) return undefined;
      pending = this.start(caller);
      this.servers.set(caller.id, pending);
      const started = pending;
      started.catch(() => this.servers.get(caller.id) === started && this.servers.delete(caller.id));
    }
    const server = await pending;
    if (caller.tokenId !== undefined) server.tokens.add(caller.tokenId);
    return server;
  }

  private async start(caller: Caller): Promise<UserServer> {
    try {
      await this.stopping.get(caller.id);
      const account = await this.o.accounts.of(caller);
      const jupyter = await startUserJupyter({ settings: this.o.settings, shared: this.o.shared, dir: join(this.o.dir, String(caller.id)), account });
      const server: UserServer = { jupyter, busyAt: Date.now(), tokens: new Set() };
      this.live.set(caller.id, server);
      this.o.logger.info({ user: caller.name, uid: account.uid, pid: jupyter.pid }, 'code cells: started a Jupyter server');
      void jupyter.exited.then(() => {
        if (this.live.get(caller.id) !== server) return;
        this.o.logger.warn({ user: caller.name }, 'code cells: a Jupyter server ended by itself; the next request starts another');
        void this.stop(caller.id, 'it ended');
      });
      return server;
    } catch (error) {
      this.o.logger.error({ err: error, user: caller.name }, 'code cells: a Jupyter server did not start');
      throw error instanceof Problem ? error : unavailable(`Your code cells could not start: ${(error as Error).message.slice(0, 500)}`);
    }
  }

  /** Stops a user's server (waiting for a start under way); their next request starts a new one. */
  stop(userId: number, why: string): Promise<void> {
    const pending = this.servers.get(userId);
    if (!pending) return this.stopping.get(userId) ?? Promise.resolve();
    this.servers.delete(userId);
    this.live.delete(userId);
    const done = pending
      .then((server) => {
        this.o.logger.info({ userId, why }, 'code cells: stopping a Jupyter server');
        return server.jupyter.stop();
      }, () => undefined)
      .catch((error: unknown) => this.o.logger.error({ err: error, userId }, 'code cells: stopping a Jupyter server failed'))
      .finally(() => this.stopping.get(userId) === done && this.stopping.delete(userId));
    this.stopping.set(userId, done);
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.servers.keys()].map((id) => this.stop(id, 'the platform is stopping')));
    await Promise.all(this.stopping.values());
  }

  /** Stops the servers of users who are gone, signed out everywhere they used kernels from, or idle. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      for (const [userId, server] of [...this.live]) {
        const why = await this.reasonToStop(userId, server).catch((error: unknown) => {
          this.o.logger.warn({ err: error, userId }, 'code cells: could not check a Jupyter server');
          return null;
        });
        if (why && this.live.get(userId) === server) await this.stop(userId, why);
      }
    } finally {
      this.sweeping = false;
    }
  }

  private async reasonToStop(userId: number, server: UserServer): Promise<string | null> {
    if (!(await this.o.store.findUserById(userId))) return 'the user was removed';
    if (server.tokens.size > 0) {
      const unrevoked = await this.o.store.listTokens(userId);
      if (!unrevoked.some((t) => server.tokens.has(t.id))) return 'the user signed out';
    }
    const status = await askJupyter(server.jupyter, 'GET', '/api/status', { timeoutMs: 10_000 });
    const kernels = status.status === 200 ? (JSON.parse(status.body.toString('utf8')) as { kernels?: unknown }).kernels : undefined;
    // A server that does not say is left alone: it may be busy starting a kernel.
    if (typeof kernels !== 'number' || kernels > 0) {
      server.busyAt = Date.now();
      return null;
    }
    return Date.now() - server.busyAt >= this.o.settings.serverIdleSeconds * 1000 ? `no kernel for ${this.o.settings.serverIdleSeconds} s` : null;
  }
}
