import yauzl from 'yauzl';

/** An RO-Crate's JSON-LD as the tests walk it: entities by @id, and the references of a property as ids. */
export type Entity = { '@id': string; '@type': string | string[] } & Record<string, unknown>;

export interface CrateGraph {
  metadata: { '@context': unknown; '@graph': Entity[] };
  /** The zip's files by path. */
  files: Map<string, Buffer>;
  entity(id: string): Entity;
  has(id: string): boolean;
  ofType(type: string): Entity[];
  root: Entity;
  mainEntity: Entity;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
export const types = (e: Entity): string[] => asArray(e['@type']);
/** The @ids a property refers to (a reference or a list of them). */
export const ids = (value: unknown): string[] => asArray(value as { '@id': string } | { '@id': string }[] | undefined).map((r) => r['@id']);

export function crateGraph(files: Map<string, Buffer>): CrateGraph {
  const metadata = JSON.parse(files.get('ro-crate-metadata.json')!.toString()) as CrateGraph['metadata'];
  const byId = new Map(metadata['@graph'].map((e) => [e['@id'], e]));
  const entity = (id: string) => {
    const found = byId.get(id);
    if (!found) throw new Error(`the crate has no entity ${id}`);
    return found;
  };
  const root = entity(ids(entity('ro-crate-metadata.json')['about'])[0]!);
  return {
    metadata,
    files,
    entity,
    has: (id) => byId.has(id),
    ofType: (type) => metadata['@graph'].filter((e) => types(e).includes(type)),
    root,
    mainEntity: entity(ids(root['mainEntity'])[0]!),
  };
}

/** Every entry of a zip, by name. */
export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const files = new Map<string, Buffer>();
  await new Promise<void>((done, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStreamPromise(entry).then(async (stream) => {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        files.set(entry.fileName, Buffer.concat(chunks));
        zip.readEntry();
      }, fail);
    });
    zip.on('end', () => done());
    zip.on('error', fail);
    zip.readEntry();
  });
  return files;
}
