import type { Selectable } from 'kysely';
import type { NarrativeRecord, Store } from '../store.js';
import type { Db } from './db.js';
import type { Tables } from './tables.js';
import { ownedOrGranted } from './workspaces.js';

type NarrativeQueries = Pick<Store, 'createNarrative' | 'getNarrative' | 'getNarrativeByWorkspace' | 'listNarrativesOf' | 'updateNarrative' | 'deleteNarrative'>;

/** Narratives: a title and the workspace holding their notebook object. */
export function narrativeQueries(db: Db): NarrativeQueries {
  return {
    async createNarrative(n: { wsid: number; objid: number; title: string; createdAt: string; copiedFrom: number | null }) {
      const { id } = await db
        .insertInto('narratives')
        .values({ wsid: n.wsid, objid: n.objid, title: n.title, created_at: n.createdAt, updated_at: n.createdAt, copied_from: n.copiedFrom })
        .returning('id')
        .executeTakeFirstOrThrow();
      return id;
    },

    async getNarrative(id: number) {
      const row = await db.selectFrom('narratives').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return row && toNarrative(row);
    },

    async getNarrativeByWorkspace(wsid: number) {
      const row = await db.selectFrom('narratives').selectAll().where('wsid', '=', wsid).where('deleted_at', 'is', null).executeTakeFirst();
      return row && toNarrative(row);
    },

    async listNarrativesOf(userId: number) {
      const rows = await db
        .selectFrom('narratives')
        .innerJoin('workspaces', 'workspaces.id', 'narratives.wsid')
        .selectAll('narratives')
        .where('narratives.deleted_at', 'is', null)
        .where((eb) => ownedOrGranted(eb, userId))
        .orderBy('narratives.id')
        .execute();
      return rows.map(toNarrative);
    },

    async updateNarrative(id: number, change: { title?: string; updatedAt: string }) {
      await db
        .updateTable('narratives')
        .set({ updated_at: change.updatedAt, ...(change.title === undefined ? {} : { title: change.title }) })
        .where('id', '=', id)
        .execute();
    },

    async deleteNarrative(id: number, at: string) {
      await db.updateTable('narratives').set({ deleted_at: at }).where('id', '=', id).execute();
    },
  };
}

function toNarrative(r: Selectable<Tables['narratives']>): NarrativeRecord {
  return { id: r.id, wsid: r.wsid, objid: r.objid, title: r.title, createdAt: r.created_at, updatedAt: r.updated_at, copiedFrom: r.copied_from, deletedAt: r.deleted_at };
}
