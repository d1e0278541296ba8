import { join } from 'node:path';
import { loadConfig, startServer } from '@narrative/server';
import Database from 'better-sqlite3';

const REPORT = 'Report.Report-1.0';
/** How often a step also reads the shared reference: each such read is one more path to it, of another length. */
const REFERENCE_EVERY = 10;

export interface Chain {
  wsid: number;
  /** `wsid/objid/ver` of the chain's first and last steps. */
  first: string;
  last: string;
  versions: number;
}

/**
 * A provenance chain of `length` versions in one workspace of a fresh data
 * directory, each step made from the step before it, and every tenth step
 * also from one shared reference version: reached again at every tenth
 * depth, as a reference genome is. Saved through the server's own store in
 * one transaction, by a server started in this process on `home` and
 * stopped again, so that a server process started on `home` later sees it.
 */
export async function buildChain(home: string, length: number): Promise<Chain> {
  const server = await startServer(loadConfig({ home, port: 0, logLevel: 'silent', kernels: { enabled: false, python: '/usr/bin/python3' }, bundledApps: 'off' }));
  try {
    const store = server.ctx.store;
    const admin = await store.findUserByName('admin');
    if (!admin) throw new Error('the server made no admin');
    const ws = await store.createWorkspace({ name: 'provenance', ownerId: admin.id, createdAt: new Date().toISOString() });
    const refs = await store.transaction(async (tx) => {
      const save = async (name: string, parents: { wsid: number; objid: number; ver: number }[]) => {
        const at = new Date().toISOString();
        const saved = await tx.insertVersion({
          wsid: ws.id, name, type: REPORT, data: { title: name }, size: 20, savedBy: admin.id, savedAt: at,
          provenance: { kind: 'save', user: admin.name, at, inputs: [] }, copiedFrom: null, files: [],
          parents: parents.map((ref) => ({ ref, relation: 'input' as const })),
        });
        return { wsid: ws.id, ...saved };
      };
      const reference = await save('reference', []);
      const steps = [await save('step-1', [])];
      for (let i = 2; i <= length - 1; i++) steps.push(await save(`step-${i}`, i % REFERENCE_EVERY === 0 ? [steps[i - 2]!, reference] : [steps[i - 2]!]));
      return steps;
    });
    const ref = (k: { wsid: number; objid: number; ver: number }) => `${k.wsid}/${k.objid}/${k.ver}`;
    return { wsid: ws.id, first: ref(refs[0]!), last: ref(refs.at(-1)!), versions: refs.length + 1 };
  } finally {
    await server.close();
  }
}

export type Direction = 'ancestors' | 'descendants';

/**
 * The floor the API is read against: one recursive query on the server's
 * own database file with better-sqlite3, walking the links keyed on the
 * version (each version once, however many paths reach it), and returning
 * what the API answers: each version with its name and type, and the links
 * walked.
 */
export class RawLineage {
  private readonly db: Database.Database;
  private readonly walks: Record<Direction, Database.Statement>;
  private readonly shallow: Record<Direction, Database.Statement>;

  constructor(home: string) {
    this.db = new Database(join(home, 'narrative.sqlite'), { readonly: true });
    this.walks = { ancestors: this.db.prepare(walk('ancestors', false)), descendants: this.db.prepare(walk('descendants', false)) };
    this.shallow = { ancestors: this.db.prepare(walk('ancestors', true)), descendants: this.db.prepare(walk('descendants', true)) };
  }

  /** The versions and links reachable from `ref` (all of them, or within `depth` steps); returns how many versions. */
  lineage(ref: string, direction: Direction, depth?: number): number {
    const [wsid, objid, ver] = ref.split('/').map(Number);
    const rows = depth === undefined ? this.walks[direction].all(wsid, objid, ver) : this.shallow[direction].all(wsid, objid, ver, depth, depth);
    return new Set((rows as { wsid: number; objid: number; ver: number }[]).map((r) => `${r.wsid}/${r.objid}/${r.ver}`)).size;
  }

  close(): void {
    this.db.close();
  }
}

function walk(direction: Direction, limited: boolean): string {
  const [from, to] = direction === 'ancestors' ? ['child', 'parent'] : ['parent', 'child'];
  const on = (side: string, of: string) => `l.${side}_wsid = ${of}.wsid and l.${side}_objid = ${of}.objid and l.${side}_ver = ${of}.ver`;
  const depth = limited ? ', depth' : '';
  return `
    with recursive walk(wsid, objid, ver${depth}) as (
      select ?, ?, ?${limited ? ', 0' : ''}
      union
      select l.${to}_wsid, l.${to}_objid, l.${to}_ver${limited ? ', walk.depth + 1' : ''} from object_links l join walk on ${on(from, 'walk')}${limited ? ' where walk.depth < ?' : ''}
    ),
    nodes as (select wsid, objid, ver${limited ? ', min(depth) as depth' : ''} from walk group by wsid, objid, ver)
    select n.wsid, n.objid, n.ver, o.name, v.type, l.${to}_wsid as to_wsid, l.${to}_objid as to_objid, l.${to}_ver as to_ver, l.relation
    from nodes n
    join objects o on o.wsid = n.wsid and o.objid = n.objid
    join object_versions v on v.wsid = n.wsid and v.objid = n.objid and v.ver = n.ver
    left join object_links l on ${on(from, 'n')}${limited ? ' and n.depth < ?' : ''}`;
}
