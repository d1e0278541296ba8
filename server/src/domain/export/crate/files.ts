import { createHash } from 'node:crypto';
import type { VersionRecord } from '../../../store/store.js';
import type { RunGraph, VersionNode } from '../run-graph.js';
import { fileUrl, inputParamId, outputParamId, personId, ref, refs, versionDir, versionId, versionUrl, type Entity } from './ids.js';

/**
 * Files up to this size travel inside the crate. A larger one is named by
 * its download address on this server, still with its sha256 and size, so
 * a reader can check what they fetch; the "archive" export is the one that
 * holds every byte.
 */
export const INLINE_FILE_BYTES = 1024 * 1024;

/** What the zip holds besides the metadata: bytes made here, or a blob streamed from the store. */
export type CrateContent = { path: string; bytes: Buffer } | { path: string; blob: string; size: number };

export interface VersionEntities {
  entities: Entity[];
  /** The data entities the root lists under hasPart. */
  parts: string[];
  contents: CrateContent[];
}

/**
 * Each object version as a Dataset (a directory `objects/wsid/objid/ver/`)
 * holding its data as `data.json` and its files, each File with its sha256
 * and size. A version the exporter may not read is named by its address only.
 */
export function versionEntities(graph: RunGraph, inlineBytes = INLINE_FILE_BYTES): VersionEntities {
  const realizes = realizedParams(graph);
  const out: VersionEntities = { entities: [], parts: [], contents: [] };
  const types = new Set<string>();
  for (const node of graph.versions.values()) {
    const id = versionId(graph.base, node);
    out.parts.push(id);
    const exampleOfWork = realizes.has(node.ref) ? { exampleOfWork: refs(realizes.get(node.ref)!) } : {};
    if (!node.record) {
      out.entities.push({ '@id': id, '@type': 'Dataset', name: `${node.ref} (not readable by whoever exported this crate)`, identifier: id, ...exampleOfWork });
      continue;
    }
    types.add(node.record.type);
    const files = filesOf(graph.base, node, out.contents, inlineBytes);
    out.entities.push(datasetOf(graph.base, node.record, node.ref, files.map((f) => f['@id']), exampleOfWork), ...files);
  }
  for (const type of types) out.entities.push({ '@id': typeUrl(graph.base, type), '@type': 'CreativeWork', name: `${type} (JSON Schema of the data)`, encodingFormat: 'application/schema+json' });
  return out;
}

function datasetOf(base: string, r: VersionRecord, ref_: string, files: string[], extra: Record<string, unknown>): Entity {
  return {
    '@id': versionDir(ref_),
    '@type': 'Dataset',
    name: r.name,
    description: `Version ${r.ver} of object ${r.name} (${r.type}) in workspace ${r.wsid}`,
    identifier: versionUrl(base, ref_),
    conformsTo: ref(typeUrl(base, r.type)),
    contentSize: String(r.size),
    dateCreated: r.savedAt,
    author: ref(personId(r.savedBy)),
    hasPart: refs(files),
    ...extra,
  };
}

function filesOf(base: string, node: VersionNode, contents: CrateContent[], inlineBytes: number): Entity[] {
  const r = node.record!;
  const dir = versionDir(node.ref);
  const data = Buffer.from(`${JSON.stringify(r.data, null, 2)}\n`);
  contents.push({ path: `${dir}data.json`, bytes: data });
  const files: Entity[] = [
    { '@id': `${dir}data.json`, '@type': 'File', name: 'data.json', encodingFormat: 'application/json', description: `The object's data, valid against ${r.type}`, sha256: sha256(data), contentSize: String(data.length) },
  ];
  for (const f of r.files) {
    const inline = f.size <= inlineBytes;
    // Under files/: an object may hold a file named data.json.
    if (inline) contents.push({ path: `${dir}files/${f.name}`, blob: f.sha256, size: f.size });
    files.push({
      '@id': inline ? `${dir}files/${encodeURIComponent(f.name)}` : fileUrl(base, node.ref, f.name),
      '@type': 'File',
      name: f.name,
      sha256: f.sha256,
      contentSize: String(f.size),
      ...(inline ? {} : { description: `Not in this crate (over ${inlineBytes} bytes): download it from the server, and check its sha256.` }),
    });
  }
  return files;
}

/** Version ref → the formal parameters (app inputs and outputs) it filled, so each data entity says which slot it realizes. */
function realizedParams(graph: RunGraph): Map<string, string[]> {
  const realizes = new Map<string, string[]>();
  const add = (ref_: string, id: string) => realizes.set(ref_, [...(realizes.get(ref_) ?? []), id]);
  for (const { run } of graph.steps) {
    if (!run) continue;
    for (const i of run.inputs) if (run.app.inputs.some((d) => d.name === i.name)) add(i.ref, inputParamId(run.app, i.name));
    for (const o of run.outputs) if (run.app.outputs.some((d) => d.name === o.name)) add(o.ref, outputParamId(run.app, o.name));
  }
  return realizes;
}

export const typeUrl = (base: string, type: string) => `${base}/api/v1/types/${type}`;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
