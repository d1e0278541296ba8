/** Object names are at most this long (the Name schema says so; its pattern enforces it). */
export const MAX_NAME = 255;

/**
 * The name an object takes in a workspace that may already hold its name:
 * its own when free, else `<name>.from-<wsid>-<objid>` (then `-2`, `-3`… on
 * a further clash). A save under a taken name would become the other
 * object's newest version, and whatever names that object would read other
 * data; the origin in the name says where the copy came from. The suffix
 * takes the place of the name's end, so the result is never too long.
 * Narrative copies and imports name clashes this way; the lab's "Copy to
 * narrative…" keeps its own copy of the rule, as it cannot import this file.
 */
export function nameApart(name: string, origin: { wsid: number; objid: number }, taken: ReadonlySet<string>): string {
  let candidate = name;
  for (let n = 1; taken.has(candidate); n++) {
    const suffix = `.from-${origin.wsid}-${origin.objid}${n > 1 ? `-${n}` : ''}`;
    candidate = name.slice(0, MAX_NAME - suffix.length) + suffix;
  }
  return candidate;
}
