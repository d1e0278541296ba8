import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Lineage, MyObject, NarrativeClient, ObjectInfo, ObjectPage, ObjectVersion } from '../../client/index.js';
import { download } from '../download.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { multipartBody } from '../multipart.js';
import { emit, fields, table } from '../output.js';
import { progressBar } from '../progress.js';
import { UsageError } from '../usage.js';
import { narrativeId } from './narratives.js';

const info = (o: ObjectInfo) => fields(o, ['ref', 'name', 'type', 'size', 'savedBy', 'savedAt', 'copiedFrom']);

export function objectCommands(program: Command): void {
  program
    .command('upload <files...>')
    .description('upload one or more files as a typed object (a progress bar shows on a terminal)')
    .requiredOption('--type <type>', 'data type, e.g. Genomics.Reads-1.0')
    .requiredOption('--ws <wsid>', 'workspace id or name')
    .requiredOption('--name <name>', 'object name')
    .option('--data <json>', 'object data as JSON (validated against the type)')
    .option('--description <text>', 'what this upload is')
    .action(async (files: string[], options: { type: string; ws: string; name: string; data?: string; description?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      let total = 0;
      for (const file of files) {
        const s = await stat(file).catch(() => null);
        if (!s?.isFile()) throw new UsageError(`${file} is not a readable file`);
        total += s.size;
      }
      const bar = await progressBar('uploading [{bar}] {percentage}% {value}/{total} bytes', !global.json);
      bar?.start(total, 0);
      const form = { name: options.name, type: options.type, ...(options.data ? { data: options.data } : {}), ...(options.description ? { description: options.description } : {}) };
      const { body, contentType } = multipartBody(form, files, (n) => bar?.increment(n));
      try {
        emit(global, await clientFrom(global).upload(options.ws, body, contentType), info);
      } finally {
        bar?.stop();
      }
    });

  const object = program.command('object').description('list, read, copy, revert and download objects; lineage');
  object
    .command('get <ref>')
    .description('one version (wsid/objid/ver; names allowed) with data, files and provenance')
    .action(async (ref: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).getObject(ref), (o: ObjectVersion) => `${info(o)}\ndata      ${JSON.stringify(o.data)}\nfiles     ${o.files.map((f) => `${f.name} (${f.size} bytes, sha256 ${f.sha256})`).join(', ') || '(none)'}\nprovenance ${JSON.stringify(o.provenance)}`);
    });
  object
    .command('history <ref>')
    .description('every version of an object')
    .action(async (ref: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).history(ref), (list) => table(list, ['ref', 'type', 'size', 'savedBy', 'savedAt']));
    });
  object
    .command('copy <ref>')
    .description('copy a version into another workspace')
    .requiredOption('--to <wsid>', 'target workspace id or name')
    .option('--name <name>', 'name in the target (default: the same name)')
    .action(async (ref: string, options: { to: string; name?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).copyObject(ref, options.to, options.name), info);
    });
  object
    .command('list')
    .description('my data: the latest version of each object in every narrative I own or may edit; --narrative: those of one narrative I can read')
    .option('--narrative <narrative-id>', 'only this narrative')
    .option('--type <type>', 'a type id, or a prefix such as Genomics. or Genomics.Reads')
    .action(async (options: { narrative?: string; type?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const list = options.narrative ? await objectsOfNarrative(client, narrativeId(options.narrative), options.type) : await myData(client, options.type);
      emit(global, list, (l) => table(l.map((o) => ({ ...o, narrative: `${o.narrative.id} ${o.narrative.title}` })), ['ref', 'name', 'type', 'size', 'savedBy', 'savedAt', 'narrative']));
    });
  object
    .command('lineage <ref>')
    .description('what a version was made from and what was made from it (wsid/objid[/ver]; without a version, the latest)')
    .option('--direction <direction>', 'ancestors, descendants or both', 'both')
    .option('--depth <n>', 'steps to follow, 1 to 1000 (default: the whole lineage)')
    .action(async (ref: string, options: { direction: string; depth?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const direction = options.direction;
      if (direction !== 'ancestors' && direction !== 'descendants' && direction !== 'both') throw new UsageError(`--direction is ancestors, descendants or both, not "${direction}"`);
      const depth = options.depth === undefined ? undefined : positive(options.depth, '--depth');
      emit(global, await clientFrom(global).wholeLineage(ref, direction, depth), describeLineage);
    });
  object
    .command('revert <ref> <version>')
    .description('save an older version of an object again as its newest (wsid/objid, names allowed); the old one stays')
    .action(async (ref: string, text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const version = positive(text, '<version>');
      const given = ref.split('/')[2];
      // `3/2/4 1` could mean either version: refuse rather than guess.
      if (given !== undefined && given !== String(version)) throw new UsageError(`${ref} names version ${given} but <version> is ${version}: name the object as wsid/objid`);
      emit(global, await clientFrom(global).revertObject(ref, version), (o) => fields(o, ['ref', 'name', 'type', 'size', 'savedBy', 'savedAt', 'revertedFrom']));
    });
  object
    .command('download <ref>')
    .description("save one of a version's files (wsid/objid[/ver]; without a version, the latest), streamed to disk")
    .option('-o, --out <file>', "where to write it (default: the file's own name, here)")
    .option('--file <name>', 'which file, when the version has several')
    .action(async (ref: string, options: { out?: string; file?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const version = await client.getObject(ref);
      const file = pickFile(version, options.file);
      const out = options.out ?? basename(file.name);
      // By the resolved ref: a version saved meanwhile must not swap the bytes under us.
      const bytes = await download(await client.downloadFile(version.ref, file.name), out, !global.json);
      emit(global, { ref: version.ref, file: file.name, out, bytes, sha256: file.sha256 }, (r) => fields(r));
    });

  const workspace = program.command('workspace').description('workspaces');
  workspace
    .command('list')
    .description('workspaces I own or was given access to')
    .action(async (_o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).listWorkspaces(), (list) => table(list, ['id', 'name', 'owner', 'level', 'public', 'published', 'narrativeId']));
    });
  workspace
    .command('create <name>')
    .description('create a workspace')
    .action(async (name: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).createWorkspace(name), (w) => fields(w));
    });
}

/** Every page of my data. */
async function myData(client: NarrativeClient, type: string | undefined): Promise<MyObject[]> {
  const items: MyObject[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.myObjects({ limit: 100, ...(type ? { type } : {}), ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

/** One narrative's objects through its workspace, where read access is enough (my data asks for write), shaped as my data. */
async function objectsOfNarrative(client: NarrativeClient, id: number, type: string | undefined): Promise<MyObject[]> {
  const n = await client.narrative(id);
  const items: MyObject[] = [];
  let cursor: string | null = null;
  do {
    const page: ObjectPage = await client.listObjects(n.wsid, { limit: 100, ...(cursor ? { cursor } : {}), ...(type ? { type } : {}) });
    // The notebook is the narrative itself, not its data: my data leaves it out too.
    items.push(...page.items.filter((o) => o.objid !== n.objid).map((o) => ({ ...o, narrative: { id: n.id, title: n.title } })));
    cursor = page.next;
  } while (cursor);
  return items;
}

function pickFile(version: ObjectVersion, name: string | undefined): ObjectVersion['files'][number] {
  const names = version.files.map((f) => f.name).join(', ');
  if (name !== undefined) {
    const file = version.files.find((f) => f.name === name);
    if (!file) throw new UsageError(`${version.ref} has no file "${name}"; it has ${names || 'none'}`);
    return file;
  }
  if (version.files.length === 1) return version.files[0]!;
  if (version.files.length === 0) throw new UsageError(`${version.ref} has no files: its content is its data (\`narrative object get ${version.ref}\`)`);
  throw new UsageError(`${version.ref} has ${version.files.length} files (${names}): choose one with --file`);
}

function describeLineage(l: Lineage): string {
  const nodes = l.nodes.map((n) => (n.accessible ? { ...n, name: n.name ?? '', type: n.type ?? '' } : { ...n, name: '(no access)', type: '' }));
  const edges = l.edges.map((e) => `  ${e.from} -> ${e.to} (${e.relation})`);
  return `root ${l.root}\n${table(nodes, ['ref', 'name', 'type'])}\n${edges.length > 0 ? `links (source -> result):\n${edges.join('\n')}` : 'no links: made from nothing recorded, and nothing made from it'}`;
}

function positive(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what}: "${text}" is not a positive whole number`);
  return n;
}
