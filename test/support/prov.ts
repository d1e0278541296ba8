import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Reads a PROV-JSON file with Debian's python3-prov (the system
 * interpreter, where Debian installs it), writes it back as PROV-JSON,
 * reads that again, and reports what it wrote and whether the two readings
 * are the same document.
 */
const SCRIPT = `
import json, sys
import prov
from prov.model import ProvDocument
doc = prov.read(sys.argv[1], format='json')
written = doc.serialize(format='json')
again = ProvDocument.deserialize(content=written, format='json')
print(json.dumps({'written': json.loads(written), 'same': doc == again, 'records': len(doc.get_records()), 'provn': doc.get_provn()}))
`;

export interface ProvReading {
  written: Record<string, Record<string, unknown>>;
  same: boolean;
  records: number;
  provn: string;
}

export async function readWithPythonProv(file: string): Promise<ProvReading> {
  const { stdout } = await run('/usr/bin/python3', ['-c', SCRIPT, file], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as ProvReading;
}

/**
 * A PROV-JSON document in a form where two spellings of one value compare
 * equal: a typed number (`{"$": 3, "type": "xsd:int"}`) is the number, a
 * time is its instant (python-prov writes +00:00 where we write Z), and a
 * list of values is a set.
 */
export function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return Date.parse(value);
  if (value !== null && typeof value === 'object') {
    const literal = value as { $?: unknown; type?: unknown };
    if ('$' in literal && typeof literal.type === 'string' && literal.type.startsWith('xsd:')) return normalized(literal.$);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalized(v)]));
  }
  return value;
}
