/**
 * Reading an archive's `manifest-sha256.txt` (the lines `manifestLine`
 * writes): the one parser for whoever checks an archive against it, the
 * importer and `verify-archive` alike, so both hold the same file to the
 * same rules.
 */

/** The manifest is text a person could read; one this large is not an archive's. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** A line as sha256sum writes it: the hex digest, two spaces, the path. */
const LINE = /^([0-9a-f]{64}) {2}(.+)$/;

/** A line of the manifest that lists no file, and why (a phrase: "line 3 …"). */
export interface ManifestDamage {
  /** 1-based. */
  line: number;
  problem: string;
}

export interface ParsedManifest {
  /** Each listed path's sha256, in the manifest's order. */
  listed: Map<string, string>;
  /** Lines that are not `<sha256>  <path>`, or list a path listed before: a manifest never written so. */
  damaged: ManifestDamage[];
}

/**
 * The files a manifest lists. Empty lines are passed over (the last line
 * ends with a newline); a path listed twice keeps its first sha256 and the
 * second line counts as damaged, since either sha256 could be the one meant.
 */
export function parseManifest(manifest: Buffer): ParsedManifest {
  const listed = new Map<string, string>();
  const damaged: ManifestDamage[] = [];
  manifest.toString('utf8').split('\n').forEach((text, i) => {
    if (text === '') return;
    const match = LINE.exec(text);
    if (!match) damaged.push({ line: i + 1, problem: 'is not "<sha256>  <path>"' });
    else if (listed.has(match[2]!)) damaged.push({ line: i + 1, problem: `lists ${match[2]!} a second time` });
    else listed.set(match[2]!, match[1]!);
  });
  return { listed, damaged };
}
