import type { Store } from '../store.js';
import type { Db } from './db.js';

type LabStateQueries = Pick<Store, 'labSettings' | 'putLabSettings' | 'labWorkspace' | 'putLabWorkspace'>;

/** Each user's JupyterLab settings (raw JSON5 text, as the settings editor writes it) and layouts. */
export function labStateQueries(db: Db): LabStateQueries {
  return {
    async labSettings(userId) {
      const rows = await db.selectFrom('lab_settings').select(['plugin', 'raw']).where('user_id', '=', userId).execute();
      return new Map(rows.map((r) => [r.plugin, r.raw]));
    },
    async putLabSettings(userId, plugin, raw, at) {
      await db
        .insertInto('lab_settings')
        .values({ user_id: userId, plugin, raw, updated_at: at })
        .onConflict((c) => c.columns(['user_id', 'plugin']).doUpdateSet({ raw, updated_at: at }))
        .execute();
    },
    async labWorkspace(userId, id) {
      return (await db.selectFrom('lab_workspaces').select('data').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst())?.data;
    },
    async putLabWorkspace(userId, id, data, at) {
      await db
        .insertInto('lab_workspaces')
        .values({ user_id: userId, id, data, updated_at: at })
        .onConflict((c) => c.columns(['user_id', 'id']).doUpdateSet({ data, updated_at: at }))
        .execute();
    },
  };
}
