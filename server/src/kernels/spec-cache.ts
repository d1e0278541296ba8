/**
 * Kernelspec answers, which are the same for every user (one root-owned kernelspec
 * directory, launch.ts): the lab asks for them every minute, and answering from here
 * keeps an open lab tab from starting (or keeping alive) a Jupyter server with no kernel.
 * They change when a kernel image is offered or withdrawn (kernelspecs.ts): then
 * every cache is emptied, and the next ask goes to a user's server again.
 */
export class SpecCache {
  /** Bumped by invalidateAll; a cache that saw an older one starts empty. */
  private static generation = 0;
  private seen = SpecCache.generation;
  private readonly answers = new Map<string, { type: string | undefined; body: Buffer }>();

  static invalidateAll(): void {
    SpecCache.generation += 1;
  }

  get(path: string): { type: string | undefined; body: Buffer } | undefined {
    this.catchUp();
    return this.answers.get(path);
  }

  /** Only small answers, and only so many paths (each kernelspec's is one). */
  put(path: string, type: string | undefined, body: Buffer): void {
    this.catchUp();
    if (body.length > 1024 * 1024 || (this.answers.size >= 32 && !this.answers.has(path))) return;
    this.answers.set(path, { type, body });
  }

  private catchUp(): void {
    if (this.seen === SpecCache.generation) return;
    this.answers.clear();
    this.seen = SpecCache.generation;
  }
}
