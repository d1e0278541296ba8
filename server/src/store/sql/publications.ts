import type { NewPublication, PublicationEntry, PublicationRecord, Store } from '../store.js';
import type { Db } from './db.js';

const ROWS_PER_INSERT = 500;

type PublicationQueries = Pick<Store, 'createPublication' | 'getPublication' | 'findPublication' | 'listPublications' | 'publicationEntries'>;

/**
 * Published narrative versions and their archives' files. A publication is
 * never changed or deleted: what a content id names stays what it named.
 * `inTransaction` writes a publication with its files atomically even when
 * the caller holds no transaction.
 */
export function publicationQueries(db: Db, inTransaction: <T>(work: (tx: Db) => Promise<T>) => Promise<T>): PublicationQueries {
  return {
    createPublication: (p) => inTransaction((tx) => createPublication(tx, p)),
    getPublication: async (contentId) => first(await publications(db).where('p.content_id', '=', contentId).executeTakeFirst()),
    findPublication: async (narrativeId, narrativeVersion) =>
      first(await publications(db).where('p.narrative_id', '=', narrativeId).where('p.narrative_ver', '=', narrativeVersion).executeTakeFirst()),
    listPublications: async (narrativeId) =>
      (await publications(db).where('p.narrative_id', '=', narrativeId).orderBy('p.published_at', 'desc').orderBy('p.narrative_ver', 'desc').execute()).map(toRecord),
    async publicationEntries(contentId) {
      const rows = await db.selectFrom('publication_entries').selectAll().where('content_id', '=', contentId).orderBy('seq').execute();
      return rows.map((r): PublicationEntry => {
        const file = { path: r.path, sha256: r.sha256, size: r.size };
        return r.kind === 'image' ? { ...file, kind: 'image', digest: r.digest! } : { ...file, kind: 'blob' };
      });
    },
  };
}

/**
 * Run inside a transaction: whoever published this version (or these bytes)
 * first wins, and the loser is handed theirs. The table's own keys decide
 * who was first, not a look beforehand: a look can be answered before
 * another server's commit and the insert come after it. The insert that
 * conflicts does nothing (never an error, which would end a PostgreSQL
 * transaction), so the transaction goes on to read the winner.
 */
async function createPublication(tx: Db, p: NewPublication): Promise<{ publication: PublicationRecord; created: boolean }> {
  const inserted = await tx
    .insertInto('publications')
    .values({
      content_id: p.contentId, narrative_id: p.narrativeId, wsid: p.wsid, workspaces: JSON.stringify(p.workspaces), narrative_ver: p.narrativeVersion,
      title: p.title, published_by: p.publishedBy, published_at: p.publishedAt, size: p.size,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const existing = await publications(tx)
      .where((eb) => eb.or([eb('p.content_id', '=', p.contentId), eb.and([eb('p.narrative_id', '=', p.narrativeId), eb('p.narrative_ver', '=', p.narrativeVersion)])]))
      .executeTakeFirstOrThrow();
    return { publication: toRecord(existing), created: false };
  }
  const rows = p.entries.map((e, seq) => ({ content_id: p.contentId, seq, path: e.path, kind: e.kind, sha256: e.sha256, size: e.size, digest: e.kind === 'image' ? e.digest : null }));
  // In batches: one statement may bind only so many values, and an archive may hold thousands of files.
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) await tx.insertInto('publication_entries').values(rows.slice(at, at + ROWS_PER_INSERT)).execute();
  return { publication: toRecord(await publications(tx).where('p.content_id', '=', p.contentId).executeTakeFirstOrThrow()), created: true };
}

function publications(db: Db) {
  return db
    .selectFrom('publications as p')
    .innerJoin('users as u', 'u.id', 'p.published_by')
    .select([
      'p.content_id as contentId', 'p.narrative_id as narrativeId', 'p.wsid', 'p.workspaces', 'p.narrative_ver as narrativeVersion', 'p.title',
      'u.name as publishedBy', 'p.published_at as publishedAt', 'p.size',
    ]);
}

type Row = Omit<PublicationRecord, 'workspaces'> & { workspaces: string };

const first = (row: Row | undefined) => row && toRecord(row);

/** A row as a record. Its workspaces decide who may read it: a list that is not one of ids is refused, never read as fewer. */
function toRecord({ workspaces, ...row }: Row): PublicationRecord {
  const ids: unknown = JSON.parse(workspaces);
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)) {
    throw new Error(`publication ${row.contentId}: its workspaces are damaged in the database (${workspaces})`);
  }
  return { ...row, workspaces: ids as number[] };
}
