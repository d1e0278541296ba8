import type { AppVersion } from '@narrative/server/client';

/** Which channels the panel shows: every one, beta and release, or release only. */
export type ChannelFilter = 'all' | 'beta' | 'release';

/** Apps whose id, name, description or categories hold every word of `query` (any case). */
export function matchApps(apps: AppVersion[], query: string): AppVersion[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return apps;
  return apps.filter(({ id, spec }) => {
    const text = [id, spec.name, spec.description, ...spec.categories].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Apps by category (an app in two categories shows under both), categories sorted, apps by name. */
export function groupByCategory(apps: AppVersion[], uncategorized: string): [string, AppVersion[]][] {
  const groups = new Map<string, AppVersion[]>();
  for (const app of apps) {
    const categories = app.spec.categories.length > 0 ? app.spec.categories : [uncategorized];
    for (const category of categories) groups.set(category, [...(groups.get(category) ?? []), app]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, list]) => [category, list.sort((a, b) => a.spec.name.localeCompare(b.spec.name))]);
}

/** The short name of a type id: `Genomics.Reads-1.0` → `Reads`. */
export function shortType(type: string): string {
  return type.replace(/-\d+\.\d+$/, '').replace(/^.*\./, '');
}

/** Every listed version of each app, newest registered first (the order the catalog lists them in). */
export function versionsById(apps: AppVersion[]): Map<string, AppVersion[]> {
  const versions = new Map<string, AppVersion[]>();
  for (const app of apps) versions.set(app.id, [...(versions.get(app.id) ?? []), app]);
  for (const list of versions.values()) list.sort((a, b) => b.registeredAt.localeCompare(a.registeredAt));
  return versions;
}
