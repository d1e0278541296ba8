import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { ApiError, type NarrativeClient, type Publication } from '../../client/index.js';
import type { ArchiveCheck } from '../../domain/publish/verify.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit } from '../output.js';
import { contentId, publicationLine } from './publications.js';

/** Exit code when the archive does not match its manifest or is not the publication named: as `job rerun --verify` exits 4 when an output differed. */
export const ARCHIVE_NOT_VERIFIED = 4;

/** What the server says of the content id: the publication, or why there is none to show. */
interface Lookup {
  server: string;
  publication: Publication | null;
  detail: string | null;
}

interface Verification extends ArchiveCheck {
  archive: string;
  verified: boolean;
  /** The content id given with --id. */
  expectedId: string | null;
  lookup: Lookup | null;
}

export function verifyArchiveCommand(program: Command): void {
  program
    .command('verify-archive <file>')
    .description("check an archive (a publication's, or export --format archive) file by file against its manifest and compute its content id; with --id, compare; without, look it up on the server when there is one")
    .option('--id <content-id>', 'the content id it must have (sha256:<64 hex digits>), as a citation gives it')
    .action(async (file: string, options: { id?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const expectedId = options.id === undefined ? null : await contentId(options.id);
      // Loaded when used: the archive reader brings the exporter's modules, which no other command needs at start.
      const { checkArchive } = await import('../../domain/publish/verify.js');
      // Streamed: an archive holding images is far larger than memory should be.
      const check = await checkArchive(createReadStream(file));
      const verified = check.intact && (expectedId === null || check.contentId === expectedId);
      const lookup = check.intact && expectedId === null && check.contentId ? await lookUp(clientFrom(global), check.contentId) : null;
      const report: Verification = { archive: file, verified, expectedId, lookup, ...check };
      emit(global, report, describeVerification);
      if (!verified) {
        process.stderr.write(`narrative: ${file} is not verified\n`);
        process.exitCode = ARCHIVE_NOT_VERIFIED;
      }
    });
}

/** How long the server gets to answer: the archive's own check is done already, and must not wait on a server that hangs. */
const LOOKUP_TIMEOUT_MS = 10_000;

/** Asks the server what the content id names; offline, signed out, refused or too slow, the archive's own check stands. */
async function lookUp(client: NarrativeClient, id: string): Promise<Lookup> {
  const none = (detail: string): Lookup => ({ server: client.url, publication: null, detail });
  try {
    const publication = await client.request<Publication>('GET', `/publications/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
    return { server: client.url, publication, detail: null };
  } catch (error) {
    if (!(error instanceof ApiError)) return none(`the server could not be reached (${error instanceof Error ? error.message : String(error)})`);
    if (error.status === 404) return none('it is not a publication of this server');
    if (error.status === 401) return none('not signed in to this server, and not a publication of public workspaces alone');
    if (error.status === 403) return none('a publication of this server that you may not read (it holds data of a workspace you cannot read)');
    return none(`the server refused: ${error.problem.detail}`);
  }
}

function describeVerification(r: Verification): string {
  const lines = [`${r.verified ? 'verified' : 'NOT verified'}: ${r.archive}`, `content id: ${r.contentId ?? 'none (no manifest)'}`];
  if (r.intact) lines.push(`files: ${r.files}, each as manifest-sha256.txt lists it`);
  for (const p of r.problems) lines.push(`  ${p.path}: ${p.problem}`);
  if (r.expectedId !== null) lines.push(r.contentId === r.expectedId ? 'it is the publication given (--id)' : `  it is not the publication given: --id ${r.expectedId}`);
  if (r.lookup?.publication) lines.push(`publication: ${publicationLine(r.lookup.publication)}`);
  else if (r.lookup) lines.push(`publication: unknown (${r.lookup.server}: ${r.lookup.detail})`);
  return lines.join('\n');
}
