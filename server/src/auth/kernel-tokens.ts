import type { Context } from '../domain/context.js';
import type { TokenScope } from '../store/store.js';
import { hashToken, newToken } from './tokens.js';

/**
 * A kernel's token lives this long from its last renewal: long enough for a
 * day's work in one sitting, short enough that a copy taken from a kernel is
 * soon worth nothing. The lab renews it by reconnecting to the kernel.
 */
export const KERNEL_TOKEN_HOURS = 12;

export interface KernelToken {
  id: number;
  token: string;
  expiresAt: string;
}

/**
 * Mints a token for code in one narrative's kernel: the user's own, scoped to
 * that narrative's workspace (permissions.ts narrows what it may do), stored
 * only as its hash like every token, and expiring.
 */
export async function issueKernelToken(ctx: Context, userId: number, scope: TokenScope): Promise<KernelToken> {
  const token = newToken();
  const expiresAt = expiryFrom(ctx.now());
  const id = await ctx.store.createToken({ userId, tokenHash: hashToken(token), label: `kernel for narrative ${scope.narrativeId}`, kind: 'api', createdAt: ctx.now(), expiresAt, scope });
  return { id, token, expiresAt };
}

/** Pushes a kernel token's expiry a full lifetime past now; its value (and what it read) stay. */
export async function renewKernelToken(ctx: Context, id: number): Promise<string> {
  const expiresAt = expiryFrom(ctx.now());
  await ctx.store.extendToken(id, expiresAt);
  return expiresAt;
}

/** Whether a token expiring at `expiresAt` is past half its life at `now`: renewed then, not at every reconnect. */
export function dueForRenewal(expiresAt: string, now: string): boolean {
  return Date.parse(expiresAt) - Date.parse(now) < (KERNEL_TOKEN_HOURS * 3_600_000) / 2;
}

function expiryFrom(now: string): string {
  return new Date(Date.parse(now) + KERNEL_TOKEN_HOURS * 3_600_000).toISOString();
}
