/** Object names are at most this long (the server's Name schema). */
const MAX_NAME = 255;

/**
 * The name a copy takes in the target narrative, given whether a name is
 * taken there: its own, else `<name>.from-<wsid>-<objid>`, then `-2`, `-3`…
 * The server names clashes in narrative copies and imports by this rule
 * (server/src/domain/origin-name.ts); the lab keeps this copy of it because
 * the server package lets it import only its typed client.
 */
export async function nameApart(object: { name: string; wsid: number; objid: number }, taken: (name: string) => Promise<boolean>): Promise<string> {
  let candidate = object.name;
  for (let n = 1; await taken(candidate); n++) {
    const suffix = `.from-${object.wsid}-${object.objid}${n > 1 ? `-${n}` : ''}`;
    candidate = object.name.slice(0, MAX_NAME - suffix.length) + suffix;
  }
  return candidate;
}
