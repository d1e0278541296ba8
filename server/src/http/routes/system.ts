import { Health } from '../../schemas/api.js';
import { always, route } from '../route.js';
import { SERVER_VERSION } from '../../version.js';

export const systemRoutes = [
  route({
    method: 'get', path: '/health', tag: 'System', summary: 'Liveness: the server answers and its database is open', response: { status: 200, schema: Health },
    access: always.public,
    async handle(_i, _g, ctx) {
      await ctx.store.countUsers();
      return { status: 'ok' as const, version: SERVER_VERSION };
    },
  }),
];
