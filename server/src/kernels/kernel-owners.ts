/**
 * Which user started each kernel and session of the Jupyter child. Kept in
 * memory: kernels live in the child, which starts afresh with the server.
 */
export class KernelOwners {
  private readonly kernels = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

  kernel(id: string): number | undefined {
    return this.kernels.get(id);
  }

  session(id: string): number | undefined {
    return this.sessions.get(id);
  }

  addKernel(id: string, userId: number): void {
    if (!this.kernels.has(id)) this.kernels.set(id, userId);
  }

  addSession(id: string, userId: number): void {
    if (!this.sessions.has(id)) this.sessions.set(id, userId);
  }
}
