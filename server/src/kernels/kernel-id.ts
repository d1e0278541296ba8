/** jupyter_server's kernel ids are UUIDs; anything else never becomes part of a file name or a request to a user's server. */
const KERNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isKernelId(value: unknown): value is string {
  return typeof value === 'string' && KERNEL_ID.test(value);
}
