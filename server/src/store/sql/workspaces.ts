import type { ExpressionBuilder } from 'kysely';
import type { Level } from '../../schemas/common.js';
import type { Store, WorkspaceRecord } from '../store.js';
import type { Db } from './db.js';
import type { Tables } from './tables.js';
import { precompiled } from './precompiled.js';

type WorkspaceQueries = Pick<Store, 'createWorkspace' | 'getWorkspace' | 'getWorkspaceByName' | 'listWorkspacesOf' | 'listPublicWorkspaces' | 'getGrant' | 'setGrant' | 'listGrants' | 'setPublic' | 'publish'>;

/** Workspaces, their grants, public and published flags. */
export function workspaceQueries(db: Db): WorkspaceQueries {
  return {
    async createWorkspace(ws: { name: string; ownerId: number; createdAt: string }) {
      const { id } = await db
        .insertInto('workspaces')
        .values({ name: ws.name, owner_id: ws.ownerId, created_at: ws.createdAt, is_public: 0, next_objid: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await getWorkspace(db, id))!;
    },

    getWorkspace: (id: number) => getWorkspace(db, id),

    async getWorkspaceByName(name: string) {
      const row = await workspaces(db).where('workspaces.name', '=', name).executeTakeFirst();
      return row && toWorkspace(row);
    },

    async listWorkspacesOf(userId: number) {
      const rows = await workspaces(db)
        .where((eb) => ownedOrGranted(eb, userId))
        .orderBy('workspaces.id')
        .execute();
      return rows.map(toWorkspace);
    },

    async listPublicWorkspaces() {
      // A deleted narrative's workspace stays public for the refs that cite it, but is no longer listed.
      const rows = await workspaces(db)
        .where('workspaces.is_public', '=', 1)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('narratives').select('narratives.id').whereRef('narratives.wsid', '=', 'workspaces.id').where('narratives.deleted_at', 'is not', null))))
        .orderBy('workspaces.id')
        .execute();
      return rows.map(toWorkspace);
    },

    async getGrant(wsid: number, userId: number): Promise<Level> {
      const row = await db.selectFrom('grants').select('level').where('wsid', '=', wsid).where('user_id', '=', userId).executeTakeFirst();
      return (row?.level as Level | undefined) ?? 'none';
    },

    async setGrant(wsid: number, userId: number, level: Level) {
      if (level === 'none') {
        await db.deleteFrom('grants').where('wsid', '=', wsid).where('user_id', '=', userId).execute();
        return;
      }
      await db
        .insertInto('grants')
        .values({ wsid, user_id: userId, level })
        .onConflict((oc) => oc.columns(['wsid', 'user_id']).doUpdateSet({ level }))
        .execute();
    },

    async listGrants(wsid: number) {
      const rows = await db
        .selectFrom('grants')
        .innerJoin('users', 'users.id', 'grants.user_id')
        .select(['users.name', 'grants.level'])
        .where('grants.wsid', '=', wsid)
        .orderBy('users.name')
        .execute();
      return rows.map((r) => ({ user: r.name, level: r.level as Level }));
    },

    async setPublic(wsid: number, isPublic: boolean) {
      await db.updateTable('workspaces').set({ is_public: isPublic ? 1 : 0 }).where('id', '=', wsid).execute();
    },

    async publish(wsid: number, at: string) {
      await db.updateTable('workspaces').set({ is_public: 1, published_at: at }).where('id', '=', wsid).where('published_at', 'is', null).execute();
    },
  };
}

/** Rows whose workspace (joined as `workspaces`) the user owns or holds a grant in. */
export function ownedOrGranted(eb: ExpressionBuilder<Tables & { workspaces: Tables['workspaces'] }, 'workspaces'>, userId: number) {
  return eb.or([
    eb('workspaces.owner_id', '=', userId),
    eb('workspaces.id', 'in', eb.selectFrom('grants').select('wsid').where('user_id', '=', userId)),
  ]);
}

function workspaces(db: Db) {
  return db
    .selectFrom('workspaces')
    .innerJoin('users', 'users.id', 'workspaces.owner_id')
    .select(['workspaces.id', 'workspaces.name', 'workspaces.owner_id', 'users.name as owner_name', 'workspaces.is_public', 'workspaces.published_at', 'workspaces.created_at']);
}

async function getWorkspace(db: Db, id: number): Promise<WorkspaceRecord | undefined> {
  const [row] = await workspaceById(db, id);
  return row && toWorkspace(row);
}

/** Run by every request on a workspace: compiled once. */
const workspaceById = precompiled((db, id: number) => workspaces(db).where('workspaces.id', '=', id));

function toWorkspace(r: { id: number; name: string; owner_id: number; owner_name: string; is_public: number; published_at: string | null; created_at: string }): WorkspaceRecord {
  return { id: r.id, name: r.name, ownerId: r.owner_id, ownerName: r.owner_name, isPublic: r.is_public === 1, publishedAt: r.published_at, createdAt: r.created_at };
}
