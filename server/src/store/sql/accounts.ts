import type { Role } from '../../schemas/common.js';
import type { Store, TokenKind, TokenRecord, TokenScope, UserRecord } from '../store.js';
import type { Db } from './db.js';
import { precompiled } from './precompiled.js';

type AccountQueries = Pick<Store, 'createUser' | 'findUserByName' | 'findUserById' | 'listUsers' | 'countUsers' | 'createToken' | 'findTokenUser' | 'touchToken' | 'listTokens' | 'revokeToken' | 'revokeKernelTokens'>;

/** Users and their tokens (stored as hashes only). */
export function accountQueries(db: Db): AccountQueries {
  return {
    async createUser(user: { name: string; role: Role; passwordHash: string | null; createdAt: string }): Promise<UserRecord> {
      const { id } = await db
        .insertInto('users')
        .values({ name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id, ...user };
    },

    async findUserByName(name: string) {
      const row = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toUser(row);
    },

    async findUserById(id: number) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },

    async listUsers() {
      return (await db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUser);
    },

    async countUsers() {
      const { n } = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(n);
    },

    async createToken(token: { userId: number; tokenHash: string; label: string; kind: TokenKind; createdAt: string; expiresAt: string | null; scope?: TokenScope | null }) {
      const { id } = await db
        .insertInto('tokens')
        .values({
          user_id: token.userId,
          token_hash: token.tokenHash,
          label: token.label,
          kind: token.kind,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          scope_wsid: token.scope?.wsid ?? null,
          scope_narrative: token.scope?.narrativeId ?? null,
          scope_kernel_image: token.scope?.kernelImage ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return id;
    },

    async findTokenUser(tokenHash: string, now: string) {
      const [row] = await tokenUser(db, tokenHash, now);
      if (!row) return undefined;
      const scoped = row.scope_wsid !== null || row.scope_narrative !== null || row.scope_kernel_image !== null;
      // A token with part of a scope is no token at all: it must never count as an unscoped one with the user's full rights.
      if (scoped && (row.scope_wsid === null || row.scope_narrative === null)) return undefined;
      const scope = scoped ? { wsid: row.scope_wsid!, narrativeId: row.scope_narrative!, kernelImage: row.scope_kernel_image } : null;
      return { user: toUser(row), tokenId: row.tokenId, lastUsedAt: row.last_used_at, scope };
    },

    async touchToken(tokenId: number, at: string) {
      await db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
    },

    async listTokens(userId: number): Promise<TokenRecord[]> {
      const rows = await db
        .selectFrom('tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, label: r.label, kind: r.kind as TokenKind, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
    },

    async revokeKernelTokens(at: string) {
      const result = await db
        .updateTable('tokens')
        .set({ revoked_at: at })
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('scope_wsid', 'is not', null), eb('scope_narrative', 'is not', null), eb('scope_kernel_image', 'is not', null)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async revokeToken(userId: number, tokenId: number, at: string) {
      const result = await db
        .updateTable('tokens')
        .set({ revoked_at: at })
        .where('id', '=', tokenId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export /** Run by every authenticated request: compiled once. */
const tokenUser = precompiled((db, tokenHash: string, now: string) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id as tokenId', 'tokens.last_used_at', 'tokens.scope_wsid', 'tokens.scope_narrative', 'tokens.scope_kernel_image', 'users.id', 'users.name', 'users.role', 'users.password_hash', 'users.created_at'])
    .where('tokens.token_hash', '=', tokenHash)
    .where('tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('tokens.expires_at', 'is', null), eb('tokens.expires_at', '>', now)])),
);

function toUser(r: { id: number; name: string; role: string; password_hash: string | null; created_at: string }): UserRecord {
  return { id: r.id, name: r.name, role: r.role as Role, passwordHash: r.password_hash, createdAt: r.created_at };
}
