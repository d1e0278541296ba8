import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import type { NarrativeExportFormat } from '../../client/index.js';
import { download } from '../download.js';
import { fileBody } from '../multipart.js';
import { stat } from 'node:fs/promises';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields } from '../output.js';
import { progressBar } from '../progress.js';
import { UsageError } from '../usage.js';
import { narrativeId } from './narratives.js';

const FORMATS: NarrativeExportFormat[] = ['ro-crate', 'prov', 'archive'];

export function exportCommands(program: Command): void {
  program
    .command('export <narrative-id|ref>')
    .description("export a narrative (by id) or a version's lineage (wsid/objid[/ver]) as an RO-Crate or W3C PROV-JSON")
    .option('--format <format>', 'ro-crate (Workflow and Provenance Run Crate), prov (PROV-JSON), or archive (a narrative with every byte, for `narrative import`)', 'ro-crate')
    .option('--out <path>', 'ro-crate: a directory to create (or an empty one), or a file ending .zip; prov: a file (default: standard output); archive: a file')
    .action(async (target: string, options: { format: string; out?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const format = options.format as NarrativeExportFormat;
      if (!FORMATS.includes(format)) throw new UsageError(`--format is ro-crate, prov or archive, not "${options.format}"`);
      if (format === 'ro-crate' && !options.out) throw new UsageError('--out: name a directory, or a file ending .zip, for the crate');
      const client = clientFrom(global);
      if (format === 'archive') {
        if (!/^[0-9]+$/.test(target)) throw new UsageError('--format archive exports a narrative: give its id');
        if (!options.out) throw new UsageError('--out: name the archive file to write');
        const bytes = await download(await client.exportNarrative(narrativeId(target), format), options.out, !global.json);
        return emit(global, { format, out: options.out, bytes }, (r) => fields(r));
      }
      const response = /^[0-9]+$/.test(target) ? await client.exportNarrative(narrativeId(target), format) : await client.exportObject(target, format);
      if (!options.out) return void process.stdout.write(await response.text());
      const out = options.out;
      const written = format === 'prov' || out.endsWith('.zip') ? (await save(response, out), [out]) : await unpack(response, out);
      emit(global, { format, out, files: written.length }, (r) => fields(r));
    });
}

/** `narrative import <archive>`: the archive streams up with a progress bar; the server checks and imports it whole or not at all. */
export function importCommands(program: Command): void {
  program
    .command('import <archive>')
    .description('import an offline archive (narrative export --format archive) as a new narrative you own; prints its id')
    .action(async (archive: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const size = (await stat(archive)).size;
      const bar = await progressBar('uploading [{bar}] {percentage}% {value}/{total} bytes', !global.json);
      bar?.start(size, 0);
      try {
        const narrative = await clientFrom(global).importArchive(fileBody(archive, (n) => bar?.increment(n)));
        bar?.stop();
        emit(global, narrative, (n) => String(n.id));
      } finally {
        bar?.stop();
      }
    });
}

/** Written beside the target and renamed into place, so an interrupted export leaves no half file under its name. */
async function save(response: Response, path: string): Promise<void> {
  const partial = `${path}.partial`;
  await pipeline(bodyOf(response), createWriteStream(partial));
  await rename(partial, path);
}

/** The zip goes to a temp file first: a zip is read from its end (its central directory). */
async function unpack(response: Response, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new UsageError(`${dir} is not empty: name a new or empty directory`);
  const temp = await mkdtemp(join(tmpdir(), 'narrative-export-'));
  try {
    const zip = join(temp, 'crate.zip');
    await save(response, zip);
    const { extractZip } = await import('../unzip.js');
    return await extractZip(zip, dir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function bodyOf(response: Response): Readable {
  if (!response.body) throw new Error('the server sent no body');
  return Readable.fromWeb(response.body as WebStream<Uint8Array>);
}
