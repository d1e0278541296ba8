import type { AppSpec } from '../../schemas/app-spec.js';
import type { AppRecord, Store } from '../store.js';
import type { Db } from './db.js';
import type { Tables } from './tables.js';

type AppQueries = Pick<Store, 'registerApp' | 'getApp' | 'listApps' | 'setAppChannel' | 'deprecateApp'>;

/** Registered app versions: a spec is never updated (a version never changes); only its channel and deprecation move. */
export function appQueries(db: Db): AppQueries {
  return {
    async registerApp(app) {
      await db
        .insertInto('apps')
        .values({ id: app.id, version: app.version, spec: JSON.stringify(app.spec), channel: app.channel, registered_by: app.registeredBy, registered_at: app.registeredAt, deprecated_at: null, deprecated_reason: null })
        .execute();
    },
    async getApp(id, version) {
      const row = await db.selectFrom('apps').selectAll().where('id', '=', id).where('version', '=', version).executeTakeFirst();
      return row && toApp(row);
    },
    async listApps() {
      return (await db.selectFrom('apps').selectAll().orderBy('registered_at').orderBy('id').execute()).map(toApp);
    },
    async setAppChannel(id, version, channel) {
      await db.updateTable('apps').set({ channel }).where('id', '=', id).where('version', '=', version).execute();
    },
    async deprecateApp(id, version, deprecated) {
      await db.updateTable('apps').set({ deprecated_at: deprecated.at, deprecated_reason: deprecated.reason }).where('id', '=', id).where('version', '=', version).execute();
    },
  };
}

function toApp(r: Tables['apps']): AppRecord {
  return {
    id: r.id, version: r.version, spec: JSON.parse(r.spec) as AppSpec, channel: r.channel as AppRecord['channel'], registeredBy: r.registered_by, registeredAt: r.registered_at,
    deprecated: r.deprecated_at === null ? null : { at: r.deprecated_at, reason: r.deprecated_reason ?? '' },
  };
}
