/**
 * Kernelspec answers, which are the same for every user (one root-owned kernelspec
 * directory, launch.ts): the lab asks for them every minute, and answering from here
 * keeps an open lab tab from starting (or keeping alive) a Jupyter server with no kernel.
 */
export class SpecCache {
  private readonly answers = new Map<string, { type: string | undefined; body: Buffer }>();

  get(path: string): { type: string | undefined; body: Buffer } | undefined {
    return this.answers.get(path);
  }

  /** Only small answers, and only so many paths (a query string makes a new one). */
  put(path: string, type: string | undefined, body: Buffer): void {
    if (body.length > 1024 * 1024 || (this.answers.size >= 32 && !this.answers.has(path))) return;
    this.answers.set(path, { type, body });
  }
}
