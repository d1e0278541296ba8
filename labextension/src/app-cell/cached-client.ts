import type { AppVersion, NarrativeClient, ObjectVersion } from '@narrative/server/client';

const VERSION_REF = /^\d+\/\d+\/\d+$/;

/**
 * The lab's client, with what never changes cached for the whole lab: an app
 * `id@version` and an object version `wsid/objid/ver`. A narrative may hold
 * hundreds of cells of the same app on the same data, which would otherwise
 * each fetch them when the notebook opens. A failed fetch is forgotten, so the
 * next cell asks again; the latest app version and unversioned refs are not cached.
 */
export function cachingImmutables(client: NarrativeClient): NarrativeClient {
  const cached = <T>(cache: Map<string, Promise<T>>, key: string, fetch: () => Promise<T>): Promise<T> => {
    let found = cache.get(key);
    if (!found) {
      found = fetch();
      found.catch(() => cache.delete(key));
      cache.set(key, found);
    }
    return found;
  };
  const apps = new Map<string, Promise<AppVersion>>();
  const objects = new Map<string, Promise<ObjectVersion>>();
  const app = (id: string, version?: string): Promise<AppVersion> =>
    version === undefined ? client.app(id) : cached(apps, `${id}@${version}`, () => client.app(id, version));
  const getObject = (ref: string): Promise<ObjectVersion> =>
    VERSION_REF.test(ref) ? cached(objects, ref, () => client.getObject(ref)) : client.getObject(ref);
  return Object.assign(Object.create(client) as NarrativeClient, { app, getObject });
}
