import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { hashToken, looksLikeToken, newToken } from '../auth/tokens.js';
import { conflict, forbidden, notFound, Problem, unauthorized } from '../errors.js';
import type { Role } from '../schemas/common.js';
import type { TokenKind, UserRecord } from '../store/store.js';
import { bundledAppsOf } from '../bundled/attach.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Context } from './context.js';
import { KERNEL_REFUSAL, type Caller } from './permissions.js';

const SESSION_DAYS = 14;

export async function createUser(ctx: Context, name: string, role: Role, password?: string): Promise<{ user: UserRecord; token: string }> {
  if (await ctx.store.findUserByName(name)) throw conflict(`There is already a user named ${name}.`);
  const passwordHash = password === undefined ? null : await argonHash(password);
  const created = await ctx.store.transaction(async (store) => {
    const user = await store.createUser({ name, role, passwordHash, createdAt: ctx.now() });
    const { token } = await issueToken({ ...ctx, store }, user.id, 'api', 'created with the user');
    return { user, token };
  });
  // After the commit, in a transaction of its own (the first admin, made inside bootstrapAdmin's, comes before any bundled apps).
  await bundledAppsOf(ctx)?.welcome(created.user);
  return created;
}

export async function issueToken(ctx: Context, userId: number, kind: TokenKind, label: string): Promise<{ id: number; token: string }> {
  const token = newToken();
  const expiresAt = kind === 'session' ? new Date(Date.parse(ctx.now()) + SESSION_DAYS * 86_400_000).toISOString() : null;
  const id = await ctx.store.createToken({ userId, tokenHash: hashToken(token), label, kind, createdAt: ctx.now(), expiresAt });
  return { id, token };
}

/** The caller a token belongs to; a token that is malformed, unknown, revoked or expired is refused, never treated as anonymous. */
export async function authenticate(ctx: Context, token: string): Promise<Caller & { tokenId: number }> {
  const found = looksLikeToken(token) ? await ctx.store.findTokenUser(hashToken(token), ctx.now()) : undefined;
  if (!found) throw unauthorized('The token is not valid: it is unknown, revoked or expired.');
  // Record use at most once a minute: a write (and fsync) per request would cost every read.
  if (!found.lastUsedAt || Date.parse(ctx.now()) - Date.parse(found.lastUsedAt) > 60_000) await ctx.store.touchToken(found.tokenId, ctx.now());
  return { id: found.user.id, name: found.user.name, role: found.user.role, tokenId: found.tokenId, ...(found.scope ? { scope: found.scope } : {}) };
}

/** Browser sign-in: a name and password, or an API token, buys a session token. */
export async function login(ctx: Context, credentials: { name: string; password: string } | { token: string }): Promise<{ user: UserRecord; session: string }> {
  let user: UserRecord | undefined;
  if ('token' in credentials) {
    const caller = await authenticate(ctx, credentials.token);
    // A session would hold all the user's rights: a kernel's token cannot buy one.
    if (caller.scope) throw forbidden(KERNEL_REFUSAL);
    user = await ctx.store.findUserById(caller.id);
  } else {
    user = await ctx.store.findUserByName(credentials.name);
    const ok = user?.passwordHash ? await argonVerify(user.passwordHash, credentials.password) : false;
    if (!ok) throw unauthorized('Unknown user name or wrong password.');
  }
  if (!user) throw unauthorized('Unknown user.');
  // Users made before the bundled apps were on are given the example narrative at their next sign-in.
  await bundledAppsOf(ctx)?.welcome(user);
  return { user, session: (await issueToken(ctx, user.id, 'session', 'browser sign-in')).token };
}

export async function findUser(ctx: Context, name: string): Promise<UserRecord> {
  const user = await ctx.store.findUserByName(name);
  if (!user) throw notFound(`There is no user named ${name}.`);
  return user;
}

/**
 * On an empty database, creates the first admin and hands its token to
 * `keep` before committing: if keeping it fails, no admin exists and the next
 * start tries again, so the only admin token is never lost. Of two servers
 * starting together on one database, the second waits on the first's admin
 * row, or sees it, and finds the name taken: it makes none.
 */
export async function bootstrapAdmin(ctx: Context, keep: (token: string) => Promise<void>, name = 'admin'): Promise<string | null> {
  if ((await ctx.store.countUsers()) > 0) return null;
  try {
    return await ctx.store.transaction(async (store) => {
      const { token } = await createUser({ ...ctx, store }, name, 'admin');
      await keep(token);
      return token;
    });
  } catch (error) {
    if (isUniqueViolation(error) || (error instanceof Problem && error.status === 409)) return null;
    throw error;
  }
}
