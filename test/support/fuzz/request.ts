import { Big, bigJson } from './hostile.js';
import type { CallerName } from './world.js';

/** A request body as generated: JSON (which may hold Big values), raw text, or raw bytes. */
export type Payload =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array; note: string };

/**
 * One generated request, symbolic where it matters for replay: the caller is
 * a name (resolved to headers when sent, so a replay uses the replaying
 * world's tokens) and big values stay Big until sent.
 */
export interface RequestSpec {
  /** The operation it was generated for, e.g. `POST /api/v1/workspaces/{ws}/objects`. */
  op: string;
  caller: CallerName;
  method: string;
  /** Path as sent (already encoded, or deliberately not). */
  path: string;
  /** Query string without `?`, as sent. */
  query: string;
  /** Headers besides the caller's credentials; a `null` value removes a header the caller would send. */
  headers: Record<string, string | null>;
  body: Payload;
  /** Method and path still name the operation and credentials are the caller's own: expectations about who may call apply. */
  intact: boolean;
}

/** The bytes a payload is sent as. */
export function renderBody(body: Payload): Buffer | undefined {
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'bytes':
      return Buffer.from(body.bytes);
    case 'json':
      return Buffer.from(renderJson(body.value), 'utf8');
  }
}

/** JSON.stringify, with each Big expanded in place (iteratively, so depth costs no stack). */
export function renderJson(value: unknown): string {
  const bigs: Big[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Big) {
      bigs.push(v);
      return `\u0000BIG${bigs.length - 1}\u0000`;
    }
    return v;
  });
  if (text === undefined) return 'null';
  return bigs.length === 0 ? text : text.replace(/"\\u0000BIG(\d+)\\u0000"/g, (_m, i: string) => bigJson(bigs[Number(i)]!));
}

/** A short, readable account of a request for a reproduction: Big values stay symbolic, long text is cut. */
export function describeRequest(r: RequestSpec, maxBody = 600): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v === null ? '(removed)' : JSON.stringify(v).slice(1, -1)}`);
  const lines = [`${r.method} ${cut(`${r.path}${r.query ? `?${r.query}` : ''}`, 400)}`, `  as: ${r.caller}`, ...headers.map((h) => `  ${cut(h, 300)}`)];
  const body = describePayload(r.body);
  if (body) lines.push(`  body: ${body.length > maxBody ? `${body.slice(0, maxBody)}… (${body.length} chars)` : body}`);
  return lines.join('\n');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function describePayload(body: Payload): string {
  switch (body.kind) {
    case 'none':
      return '';
    case 'text':
      return JSON.stringify(body.text);
    case 'bytes':
      return `${body.bytes.length} bytes (${body.note})`;
    case 'json':
      return JSON.stringify(body.value, (_k, v: unknown) => (v instanceof Big ? v.toString() : v)) ?? 'undefined';
  }
}
