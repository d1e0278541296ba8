import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { writeFileDurably } from '@narrative/launcher-native';
import { inTransaction, type Context } from '../domain/context.js';
import { createNarrative, loadNarrative, saveNotebook } from '../domain/narratives.js';
import type { Caller } from '../domain/permissions.js';
import { formatRef } from '../domain/refs.js';
import { uploadObject } from '../domain/uploads.js';
import { newNarrativeKernelspec } from '../kernels/kernel-images.js';
import { EXAMPLE_READS, EXAMPLE_TITLE, exampleNotebook, type ExampleApp } from './example-notebook.js';

/** The generator of the tests' reads, beside the apps (apps-catalog/test-data). */
const GENERATOR = new URL('../../../apps-catalog/test-data/make-reads.mjs', import.meta.url);

/**
 * Gives each user the example narrative once: made in one transaction (the
 * narrative, its reads, its cells), then remembered by a marker file in the
 * data directory, so a user who deletes it is not given it again. A crash
 * between the commit and the marker is caught by looking for a narrative of
 * theirs with the example's title. One user's calls take turns.
 */
export class ExampleNarratives {
  private readonly turns = new Map<number, Promise<void>>();
  private reads: Promise<{ sha256: string; size: number }> | null = null;

  constructor(
    private readonly ctx: Context,
    /** Where the markers go: `<dir>/<user id>` holds the id of the narrative they were given. */
    private readonly dir: string,
    private readonly apps: ExampleApp[],
    private readonly logger: Logger,
  ) {}

  /** Makes sure the user has been given the example; a failure is logged, never the caller's. */
  ensure(user: Caller): Promise<void> {
    const before = this.turns.get(user.id) ?? Promise.resolve();
    const turn = before.then(() => this.give(user)).catch((error: unknown) => {
      this.logger.warn({ err: error, user: user.name }, 'the example narrative could not be made');
    });
    this.turns.set(user.id, turn);
    void turn.then(() => this.turns.get(user.id) === turn && this.turns.delete(user.id));
    return turn;
  }

  private async give(user: Caller): Promise<void> {
    const marker = join(this.dir, String(user.id));
    if (await readFile(marker, 'utf8').then(() => true, () => false)) return;
    const id = (await this.existing(user)) ?? (await this.create(user));
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(marker, `${id}\n`, 0o600);
  }

  /** A narrative of theirs with the example's title: made by an earlier call whose marker was not written. */
  private async existing(user: Caller): Promise<number | null> {
    for (const narrative of await this.ctx.store.listNarrativesOf(user.id)) {
      if (narrative.title !== EXAMPLE_TITLE) continue;
      const ws = await this.ctx.store.getWorkspace(narrative.wsid);
      if (ws?.ownerId === user.id) return narrative.id;
    }
    return null;
  }

  private async create(user: Caller): Promise<number> {
    const reads = await this.storedReads();
    return inTransaction(this.ctx, async (tx) => {
      const { id } = await createNarrative(tx, user, EXAMPLE_TITLE);
      const loaded = await loadNarrative(tx, id);
      const key = await uploadObject(tx, user, loaded.ws, { name: EXAMPLE_READS.name, type: EXAMPLE_READS.type, description: 'example reads: a small made-up bacterial genome, error-free single-end 150 bp reads at about 30x' }, [
        { filename: EXAMPLE_READS.name, sha256: reads.sha256, size: reads.size },
      ]);
      await saveNotebook(tx, user, loaded, exampleNotebook({ id, title: EXAMPLE_TITLE, wsid: loaded.ws.id }, this.apps, formatRef(key), await newNarrativeKernelspec(tx)));
      return id;
    });
  }

  /** The reads, generated once per server and kept as a blob (content-addressed: every user's example shares it). */
  private storedReads(): Promise<{ sha256: string; size: number }> {
    this.reads ??= (async () => {
      const { makeReads } = (await import(GENERATOR.href)) as { makeReads: (o: { seed: number }) => string };
      return this.ctx.blobs.put(Readable.from([Buffer.from(makeReads({ seed: EXAMPLE_READS.seed }))]), this.ctx.limits.blobBytes);
    })();
    // A failure is not kept: the next user's example tries again.
    this.reads.catch(() => (this.reads = null));
    return this.reads;
  }
}
