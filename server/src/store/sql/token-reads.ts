import type { Store, VersionKey } from '../store.js';
import type { Db } from './db.js';

type TokenReadQueries = Pick<Store, 'extendToken' | 'recordTokenRead' | 'tokenReads' | 'forgetTokenReads'>;

/** What kernels' tokens read (the inputs of what code cells save), and their renewal. */
export function tokenReadQueries(db: Db): TokenReadQueries {
  return {
    async extendToken(tokenId: number, expiresAt: string) {
      await db.updateTable('tokens').set({ expires_at: expiresAt }).where('id', '=', tokenId).where('revoked_at', 'is', null).execute();
    },

    async recordTokenRead(tokenId: number, key: VersionKey, at: string) {
      await db
        .insertInto('token_reads')
        .values({ token_id: tokenId, wsid: key.wsid, objid: key.objid, ver: key.ver, at })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },

    async tokenReads(tokenId: number) {
      const rows = await db
        .selectFrom('token_reads')
        .select(['wsid', 'objid', 'ver'])
        .where('token_id', '=', tokenId)
        .orderBy('at')
        .orderBy('wsid')
        .orderBy('objid')
        .orderBy('ver')
        .execute();
      return rows.map((r) => ({ wsid: r.wsid, objid: r.objid, ver: r.ver }));
    },

    async forgetTokenReads(tokenId: number) {
      await db.deleteFrom('token_reads').where('token_id', '=', tokenId).execute();
    },
  };
}
