import type { Command } from 'commander';
import type { Publication } from '../../client/index.js';
import { download } from '../download.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields, table } from '../output.js';
import { UsageError } from '../usage.js';
import { narrativeId } from './narratives.js';

/** A publication for people: what it is, one line. */
export const publicationLine = (p: Publication) =>
  `"${p.title}": narrative ${p.narrative}, notebook version ${p.version}, published by ${p.publishedBy} at ${p.publishedAt} (${p.size} bytes)`;

/**
 * `narrative publication …`: citable narrative versions. (`narrative
 * publish` is another thing: it makes the narrative public and read-only
 * forever.)
 */
export function publicationCommands(program: Command): void {
  const publication = program.command('publication').description('citable versions of a narrative: each an archive frozen on the server and named by its content id');
  publication
    .command('create <narrative-id>')
    .description("publish the narrative's current notebook version (you need admin access to it); prints its content id, the same one if that version is published already")
    .action(async (id: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).createPublication(narrativeId(id)), (p) => p.contentId);
    });
  publication
    .command('list <narrative-id>')
    .description("a narrative's publications, newest first")
    .action(async (id: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).publications(narrativeId(id)), (list) => table(list, ['contentId', 'version', 'publishedBy', 'publishedAt', 'size']));
    });
  publication
    .command('show <content-id>')
    .description('what a content id names: the narrative version, its title, who published it and when')
    .action(async (id: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).publication(await contentId(id)), (p) => fields(p));
    });
  publication
    .command('download <content-id>')
    .description("save a publication's archive (progress on stderr); check it with verify-archive")
    .requiredOption('--out <file>', 'the archive file to write')
    .action(async (id: string, options: { out: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const bytes = await download(await clientFrom(global).publicationArchive(await contentId(id)), options.out, !global.json);
      emit(global, { contentId: id, out: options.out, bytes }, (r) => fields(r));
    });
}

export async function contentId(text: string): Promise<string> {
  // Loaded here: the publication schema brings TypeBox, which no command should load to start.
  const { CONTENT_ID_PATTERN } = await import('../../schemas/publication.js');
  if (!new RegExp(CONTENT_ID_PATTERN).test(text)) throw new UsageError(`"${text}" is not a content id: sha256: and 64 hex digits`);
  return text;
}
