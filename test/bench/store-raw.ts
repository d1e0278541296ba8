import Database from 'better-sqlite3';

/**
 * The floor the store is read against: better-sqlite3 prepared statements
 * doing what a save, a get and a list page do, on the server's own database
 * file (its schema, its pragmas: WAL, synchronous FULL), one transaction per
 * save, without any layer above them.
 */
export class RawObjects {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly saveOne: (wsid: number, name: string, data: string, savedBy: number) => void;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    const db = this.db;
    this.statements = {
      head: db.prepare<[number, string], { objid: number; latest_ver: number }>('select objid, latest_ver from objects where wsid = ? and name = ?'),
      nextObjid: db.prepare<[number], { next_objid: number }>('update workspaces set next_objid = next_objid + 1 where id = ? returning next_objid'),
      newObject: db.prepare('insert into objects (wsid, objid, name, latest_ver, created_at) values (?, ?, ?, 1, ?)'),
      bump: db.prepare('update objects set latest_ver = ?, hidden_at = null, hidden_by = null where wsid = ? and objid = ?'),
      version: db.prepare(
        'insert into object_versions (wsid, objid, ver, type, data, size, saved_by, saved_at, provenance, copied_from, summary) values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)',
      ),
      get: db.prepare<[number, number, number], VersionRow>(`${SELECT_VERSIONS} where v.wsid = ? and v.objid = ? and v.ver = ?`),
      files: db.prepare<[number, number, number], { name: string; sha256: string; size: number }>('select name, sha256, size from object_files where wsid = ? and objid = ? and ver = ? order by name'),
      page: db.prepare<[number, number, number], VersionRow>(`${SELECT_VERSIONS} where v.wsid = ? and v.ver = o.latest_ver and o.hidden_at is null and v.objid > ? order by v.objid limit ?`),
      pageFiles: db.prepare<[number, number, number], { objid: number; ver: number; name: string; sha256: string; size: number }>(
        'select objid, ver, name, sha256, size from object_files where wsid = ? and objid > ? and objid <= ? order by name',
      ),
    };
    this.saveOne = db
      .transaction((wsid: number, name: string, data: string, savedBy: number) => {
        const at = new Date().toISOString();
        const head = this.statements.head.get(wsid, name);
        let objid: number;
        let ver = 1;
        if (head) {
          objid = head.objid;
          ver = head.latest_ver + 1;
          this.statements.bump.run(ver, wsid, objid);
        } else {
          objid = this.statements.nextObjid.get(wsid)!.next_objid - 1;
          this.statements.newObject.run(wsid, objid, name, at);
        }
        const provenance = JSON.stringify({ kind: 'save', user: 'admin', at, inputs: [] });
        this.statements.version.run(wsid, objid, ver, REPORT, data, Buffer.byteLength(data), savedBy, at, provenance);
      })
      .immediate.bind(null);
  }

  /** Saves the next version of `name` (a new object when the name is new) in its own transaction. */
  save(wsid: number, name: string, data: unknown, savedBy: number): void {
    this.saveOne(wsid, name, JSON.stringify(data), savedBy);
  }

  /** One version with its files, parsed as the store returns it. */
  get(wsid: number, objid: number, ver: number): unknown {
    const row = this.statements.get.get(wsid, objid, ver);
    if (!row) throw new Error(`raw get found no ${wsid}/${objid}/${ver}`);
    return { ...row, data: JSON.parse(row.data) as unknown, provenance: JSON.parse(row.provenance) as unknown, files: this.statements.files.all(wsid, objid, ver) };
  }

  /** The `limit` latest versions after `afterObjid`, with their files: a keyset page. */
  page(wsid: number, afterObjid: number, limit: number): unknown[] {
    const rows = this.statements.page.all(wsid, afterObjid, limit);
    const last = rows.at(-1)?.objid ?? afterObjid;
    const files = this.statements.pageFiles.all(wsid, afterObjid, last);
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as unknown, provenance: JSON.parse(r.provenance) as unknown, files: files.filter((f) => f.objid === r.objid && f.ver === r.ver) }));
  }

  /** `count` new objects in one transaction: a workspace filled quickly for the list figure. */
  fill(wsid: number, prefix: string, count: number, savedBy: number): void {
    this.db.transaction(() => {
      for (let i = 0; i < count; i++) this.saveOne(wsid, `${prefix}${i}`, JSON.stringify({ title: `object ${i}` }), savedBy);
    })();
  }

  /** The id of a user, by name (saved_by must name one). */
  userId(name: string): number {
    return (this.db.prepare<[string], { id: number }>('select id from users where name = ?').get(name) ?? failure(`no user ${name}`)).id;
  }

  close(): void {
    this.db.close();
  }
}

export const REPORT = 'Report.Report-1.0';

const SELECT_VERSIONS = `select v.wsid, v.objid, v.ver, o.name, v.type, v.data, v.size, u.name as saved_by, v.saved_at, v.provenance, v.copied_from, o.latest_ver, v.summary, o.hidden_at
  from object_versions v join objects o on o.wsid = v.wsid and o.objid = v.objid join users u on u.id = v.saved_by`;

interface VersionRow {
  wsid: number;
  objid: number;
  ver: number;
  name: string;
  data: string;
  provenance: string;
}

function failure(message: string): never {
  throw new Error(message);
}
