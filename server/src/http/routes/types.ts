import { Type } from '@sinclair/typebox';
import { TypeInfo } from '../../schemas/api.js';
import { TypeId } from '../../schemas/common.js';
import { always, route } from '../route.js';

const tag = 'Types';

export const typeRoutes = [
  route({
    method: 'get', path: '/types', tag, summary: 'Every data type with its JSON Schema', response: { status: 200, schema: Type.Array(TypeInfo) },
    access: always.public,
    handle: async (_i, _g, ctx) => ctx.types.list().map(({ id, title, description, schema }) => ({ id, title, description, schema })),
  }),
  route({
    method: 'get', path: '/types/{id}', tag, summary: 'One data type', params: Type.Object({ id: TypeId }), response: { status: 200, schema: TypeInfo },
    access: always.public,
    async handle({ params }, _g, ctx) {
      const { id, title, description, schema } = ctx.types.get(params.id);
      return { id, title, description, schema };
    },
  }),
];
