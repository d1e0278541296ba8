import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import type { ObjectInfo, ObjectVersion } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { multipartBody } from '../multipart.js';
import { emit, fields, table } from '../output.js';
import { UsageError } from '../usage.js';

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
      const bar = process.stderr.isTTY && !global.json ? new SingleBar({ format: 'uploading [{bar}] {percentage}% {value}/{total} bytes', stream: process.stderr }) : null;
      bar?.start(total, 0);
      const form = { name: options.name, type: options.type, ...(options.data ? { data: options.data } : {}), ...(options.description ? { description: options.description } : {}) };
      const { body, contentType } = multipartBody(form, files, (n) => bar?.increment(n));
      try {
        emit(global, await clientFrom(global).upload(options.ws, body, contentType), info);
      } finally {
        bar?.stop();
      }
    });

  const object = program.command('object').description('read and copy objects');
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
