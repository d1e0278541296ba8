import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Level, Role } from '../../schemas/common.js';
import type { Provenance } from '../../schemas/provenance.js';
import {
  StaleVersionError,
  type LinkRecord,
  type NarrativeRecord,
  type NewVersion,
  type ObjectFilter,
  type ObjectHead,
  type Store,
  type TokenKind,
  type TokenRecord,
  type UserRecord,
  type VersionKey,
  type VersionRecord,
  type WorkspaceRecord,
} from '../store.js';
import { openSqlite } from './database.js';
import type { Tables } from './tables.js';

type Db = Kysely<Tables> | Transaction<Tables>;

export async function openSqliteStore(file: string): Promise<Store> {
  return new SqliteStore(await openSqlite(file), null);
}

class SqliteStore implements Store {
  constructor(
    private readonly db: Db,
    private readonly root: Kysely<Tables> | null,
  ) {}

  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return (this.db as Kysely<Tables>).transaction().execute((trx) => work(new SqliteStore(trx, null)));
  }

  async close(): Promise<void> {
    if (!this.db.isTransaction) await (this.root ?? (this.db as Kysely<Tables>)).destroy();
  }

  async createUser(user: { name: string; role: Role; passwordHash: string | null; createdAt: string }): Promise<UserRecord> {
    const { id } = await this.db
      .insertInto('users')
      .values({ name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id, ...user };
  }

  async findUserByName(name: string) {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toUser(row);
  }

  async findUserById(id: number) {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers() {
    return (await this.db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUser);
  }

  async countUsers() {
    const { n } = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  }

  async createToken(token: { userId: number; tokenHash: string; label: string; kind: TokenKind; createdAt: string; expiresAt: string | null }) {
    const { id } = await this.db
      .insertInto('tokens')
      .values({
        user_id: token.userId,
        token_hash: token.tokenHash,
        label: token.label,
        kind: token.kind,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async findTokenUser(tokenHash: string, now: string) {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.id as tokenId', 'users.id', 'users.name', 'users.role', 'users.password_hash', 'users.created_at'])
      .where('tokens.token_hash', '=', tokenHash)
      .where('tokens.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('tokens.expires_at', 'is', null), eb('tokens.expires_at', '>', now)]))
      .executeTakeFirst();
    return row && { user: toUser(row), tokenId: row.tokenId };
  }

  async touchToken(tokenId: number, at: string) {
    await this.db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
  }

  async listTokens(userId: number): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, label: r.label, kind: r.kind as TokenKind, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  async revokeToken(userId: number, tokenId: number, at: string) {
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async createWorkspace(ws: { name: string; ownerId: number; createdAt: string }) {
    const { id } = await this.db
      .insertInto('workspaces')
      .values({ name: ws.name, owner_id: ws.ownerId, created_at: ws.createdAt, is_public: 0, next_objid: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.getWorkspace(id))!;
  }

  private workspaces() {
    return this.db
      .selectFrom('workspaces')
      .innerJoin('users', 'users.id', 'workspaces.owner_id')
      .select(['workspaces.id', 'workspaces.name', 'workspaces.owner_id', 'users.name as owner_name', 'workspaces.is_public', 'workspaces.published_at', 'workspaces.created_at']);
  }

  async getWorkspace(id: number) {
    const row = await this.workspaces().where('workspaces.id', '=', id).executeTakeFirst();
    return row && toWorkspace(row);
  }

  async getWorkspaceByName(name: string) {
    const row = await this.workspaces().where('workspaces.name', '=', name).executeTakeFirst();
    return row && toWorkspace(row);
  }

  async listWorkspacesOf(userId: number) {
    const rows = await this.workspaces()
      .where((eb) =>
        eb.or([
          eb('workspaces.owner_id', '=', userId),
          eb('workspaces.id', 'in', eb.selectFrom('grants').select('wsid').where('user_id', '=', userId)),
        ]),
      )
      .orderBy('workspaces.id')
      .execute();
    return rows.map(toWorkspace);
  }

  async getGrant(wsid: number, userId: number): Promise<Level> {
    const row = await this.db.selectFrom('grants').select('level').where('wsid', '=', wsid).where('user_id', '=', userId).executeTakeFirst();
    return (row?.level as Level | undefined) ?? 'none';
  }

  async setGrant(wsid: number, userId: number, level: Level) {
    if (level === 'none') {
      await this.db.deleteFrom('grants').where('wsid', '=', wsid).where('user_id', '=', userId).execute();
      return;
    }
    await this.db
      .insertInto('grants')
      .values({ wsid, user_id: userId, level })
      .onConflict((oc) => oc.columns(['wsid', 'user_id']).doUpdateSet({ level }))
      .execute();
  }

  async listGrants(wsid: number) {
    const rows = await this.db
      .selectFrom('grants')
      .innerJoin('users', 'users.id', 'grants.user_id')
      .select(['users.name', 'grants.level'])
      .where('grants.wsid', '=', wsid)
      .orderBy('users.name')
      .execute();
    return rows.map((r) => ({ user: r.name, level: r.level as Level }));
  }

  async setPublic(wsid: number, isPublic: boolean) {
    await this.db.updateTable('workspaces').set({ is_public: isPublic ? 1 : 0 }).where('id', '=', wsid).execute();
  }

  async publish(wsid: number, at: string) {
    await this.db.updateTable('workspaces').set({ is_public: 1, published_at: at }).where('id', '=', wsid).where('published_at', 'is', null).execute();
  }

  async findObjectByName(wsid: number, name: string) {
    const row = await this.db.selectFrom('objects').selectAll().where('wsid', '=', wsid).where('name', '=', name).executeTakeFirst();
    return row && toHead(row);
  }

  async getObjectHead(wsid: number, objid: number) {
    const row = await this.db.selectFrom('objects').selectAll().where('wsid', '=', wsid).where('objid', '=', objid).executeTakeFirst();
    return row && toHead(row);
  }

  async insertVersion(v: NewVersion) {
    return this.transaction(async (store) => (store as SqliteStore).insertVersionNow(v));
  }

  private async insertVersionNow(v: NewVersion) {
    const head = await this.findObjectByName(v.wsid, v.name);
    const latest = head?.latestVer ?? 0;
    if (v.expectVersion !== undefined && v.expectVersion !== latest) throw new StaleVersionError(v.expectVersion, latest);
    let objid: number;
    if (head) {
      objid = head.objid;
      await this.db.updateTable('objects').set({ latest_ver: latest + 1 }).where('wsid', '=', v.wsid).where('objid', '=', objid).execute();
    } else {
      const ws = await this.db
        .updateTable('workspaces')
        .set((eb) => ({ next_objid: eb('next_objid', '+', 1) }))
        .where('id', '=', v.wsid)
        .returning('next_objid')
        .executeTakeFirstOrThrow();
      objid = ws.next_objid - 1;
      await this.db.insertInto('objects').values({ wsid: v.wsid, objid, name: v.name, latest_ver: 1, created_at: v.savedAt }).execute();
    }
    const ver = latest + 1;
    await this.db
      .insertInto('object_versions')
      .values({
        wsid: v.wsid,
        objid,
        ver,
        type: v.type,
        data: JSON.stringify(v.data),
        size: v.size,
        saved_by: v.savedBy,
        saved_at: v.savedAt,
        provenance: JSON.stringify(v.provenance),
        copied_from: v.copiedFrom,
      })
      .execute();
    if (v.files.length > 0) {
      await this.db.insertInto('object_files').values(v.files.map((f) => ({ wsid: v.wsid, objid, ver, ...f }))).execute();
    }
    if (v.parents.length > 0) {
      await this.db
        .insertInto('object_links')
        .values(
          v.parents.map((p) => ({
            parent_wsid: p.ref.wsid,
            parent_objid: p.ref.objid,
            parent_ver: p.ref.ver,
            child_wsid: v.wsid,
            child_objid: objid,
            child_ver: ver,
            relation: p.relation,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return { objid, ver };
  }

  private versions() {
    return this.db
      .selectFrom('object_versions as v')
      .innerJoin('objects as o', (j) => j.onRef('o.wsid', '=', 'v.wsid').onRef('o.objid', '=', 'v.objid'))
      .innerJoin('users as u', 'u.id', 'v.saved_by')
      .select(['v.wsid', 'v.objid', 'v.ver', 'o.name', 'v.type', 'v.data', 'v.size', 'u.name as saved_by', 'v.saved_at', 'v.provenance', 'v.copied_from', 'o.latest_ver']);
  }

  async getVersion(wsid: number, objid: number, ver: number) {
    const row = await this.versions().where('v.wsid', '=', wsid).where('v.objid', '=', objid).where('v.ver', '=', ver).executeTakeFirst();
    return row && (await this.withFiles([row]))[0];
  }

  async listObjects(wsid: number, f: ObjectFilter) {
    let q = this.versions().where('v.wsid', '=', wsid).whereRef('v.ver', '=', 'o.latest_ver');
    if (f.type) q = f.type.includes('-') ? q.where('v.type', '=', f.type) : q.where(sql<boolean>`v.type like ${escapeLike(f.type) + '%'} escape '\\'`);
    if (f.nameContains) q = q.where(sql<boolean>`o.name like ${'%' + escapeLike(f.nameContains) + '%'} escape '\\'`);
    if (f.after) q = q.where('v.saved_at', '>', f.after);
    if (f.before) q = q.where('v.saved_at', '<', f.before);
    const { total } = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await q.orderBy('v.objid').limit(f.limit).offset(f.offset).execute();
    return { items: await this.withFiles(rows), total: Number(total) };
  }

  async history(wsid: number, objid: number) {
    const rows = await this.versions().where('v.wsid', '=', wsid).where('v.objid', '=', objid).orderBy('v.ver').execute();
    return this.withFiles(rows);
  }

  async lineage(root: VersionKey, direction: 'ancestors' | 'descendants', depth: number): Promise<LinkRecord[]> {
    // Walk object_links from the root; `from`/`to` name the side we stand on and the side we step to.
    const [from, to] = direction === 'ancestors' ? ['child', 'parent'] : ['parent', 'child'];
    const rows = await sql<LinkRow>`
      with recursive walk(wsid, objid, ver, depth) as (
        select ${root.wsid}, ${root.objid}, ${root.ver}, 0
        union
        select l.${sql.raw(to)}_wsid, l.${sql.raw(to)}_objid, l.${sql.raw(to)}_ver, walk.depth + 1
        from object_links l join walk
          on l.${sql.raw(from)}_wsid = walk.wsid and l.${sql.raw(from)}_objid = walk.objid and l.${sql.raw(from)}_ver = walk.ver
        where walk.depth < ${depth}
      )
      select distinct l.* from object_links l join walk
        on l.${sql.raw(from)}_wsid = walk.wsid and l.${sql.raw(from)}_objid = walk.objid and l.${sql.raw(from)}_ver = walk.ver
      where walk.depth < ${depth}`.execute(this.db);
    return rows.rows.map((r) => ({
      parent: { wsid: r.parent_wsid, objid: r.parent_objid, ver: r.parent_ver },
      child: { wsid: r.child_wsid, objid: r.child_objid, ver: r.child_ver },
      relation: r.relation as LinkRecord['relation'],
    }));
  }

  async hasBlob(sha256: string) {
    return (await this.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst()) !== undefined;
  }

  async recordBlob(sha256: string, size: number, at: string) {
    await this.db.insertInto('blobs').values({ sha256, size, created_at: at }).onConflict((oc) => oc.doNothing()).execute();
  }

  async blobSizes(sha256s: string[]) {
    if (sha256s.length === 0) return new Map<string, number>();
    const rows = await this.db.selectFrom('blobs').select(['sha256', 'size']).where('sha256', 'in', sha256s).execute();
    return new Map(rows.map((r) => [r.sha256, r.size]));
  }

  async createNarrative(n: { wsid: number; objid: number; title: string; createdAt: string; copiedFrom: number | null }) {
    const { id } = await this.db
      .insertInto('narratives')
      .values({ wsid: n.wsid, objid: n.objid, title: n.title, created_at: n.createdAt, updated_at: n.createdAt, copied_from: n.copiedFrom })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async getNarrative(id: number) {
    const row = await this.db.selectFrom('narratives').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row && toNarrative(row);
  }

  async getNarrativeByWorkspace(wsid: number) {
    const row = await this.db.selectFrom('narratives').selectAll().where('wsid', '=', wsid).where('deleted_at', 'is', null).executeTakeFirst();
    return row && toNarrative(row);
  }

  async listNarrativesOf(userId: number) {
    const rows = await this.db
      .selectFrom('narratives')
      .innerJoin('workspaces', 'workspaces.id', 'narratives.wsid')
      .selectAll('narratives')
      .where('narratives.deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('workspaces.owner_id', '=', userId),
          eb('workspaces.id', 'in', eb.selectFrom('grants').select('wsid').where('user_id', '=', userId)),
        ]),
      )
      .orderBy('narratives.id')
      .execute();
    return rows.map(toNarrative);
  }

  async updateNarrative(id: number, change: { title?: string; updatedAt: string }) {
    await this.db
      .updateTable('narratives')
      .set({ updated_at: change.updatedAt, ...(change.title === undefined ? {} : { title: change.title }) })
      .where('id', '=', id)
      .execute();
  }

  async deleteNarrative(id: number, at: string) {
    await this.db.updateTable('narratives').set({ deleted_at: at }).where('id', '=', id).execute();
  }

  private async withFiles(rows: VersionRow[]): Promise<VersionRecord[]> {
    if (rows.length === 0) return [];
    const files = await this.db
      .selectFrom('object_files')
      .select(['wsid', 'objid', 'ver', 'name', 'sha256', 'size'])
      .where((eb) => eb.or(rows.map((r) => eb.and([eb('wsid', '=', r.wsid), eb('objid', '=', r.objid), eb('ver', '=', r.ver)]))))
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      wsid: r.wsid,
      objid: r.objid,
      ver: r.ver,
      name: r.name,
      type: r.type,
      data: JSON.parse(r.data) as unknown,
      size: r.size,
      savedBy: r.saved_by,
      savedAt: r.saved_at,
      provenance: JSON.parse(r.provenance) as Provenance,
      copiedFrom: r.copied_from,
      latestVer: r.latest_ver,
      files: files.filter((f) => f.wsid === r.wsid && f.objid === r.objid && f.ver === r.ver).map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })),
    }));
  }
}

interface VersionRow {
  wsid: number;
  objid: number;
  ver: number;
  name: string;
  type: string;
  data: string;
  size: number;
  saved_by: string;
  saved_at: string;
  provenance: string;
  copied_from: string | null;
  latest_ver: number;
}

type LinkRow = Tables['object_links'];

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toUser(r: { id: number; name: string; role: string; password_hash: string | null; created_at: string }): UserRecord {
  return { id: r.id, name: r.name, role: r.role as Role, passwordHash: r.password_hash, createdAt: r.created_at };
}

function toWorkspace(r: { id: number; name: string; owner_id: number; owner_name: string; is_public: number; published_at: string | null; created_at: string }): WorkspaceRecord {
  return { id: r.id, name: r.name, ownerId: r.owner_id, ownerName: r.owner_name, isPublic: r.is_public === 1, publishedAt: r.published_at, createdAt: r.created_at };
}

function toHead(r: { wsid: number; objid: number; name: string; latest_ver: number }): ObjectHead {
  return { wsid: r.wsid, objid: r.objid, name: r.name, latestVer: r.latest_ver };
}

function toNarrative(r: Selectable<Tables['narratives']>): NarrativeRecord {
  return { id: r.id, wsid: r.wsid, objid: r.objid, title: r.title, createdAt: r.created_at, updatedAt: r.updated_at, copiedFrom: r.copied_from, deletedAt: r.deleted_at };
}
