import { Type } from '@sinclair/typebox';
import { listMyObjects, setObjectHidden } from '../../domain/my-data.js';
import { HiddenFlag, MyObjectPage, MyObjectsQuery, ObjectInfo } from '../../schemas/api.js';
import { IdOrName } from '../../schemas/common.js';
import { onWorkspace, grantedWorkspace } from '../access.js';
import { signedIn } from '../authorize.js';
import { always, route } from '../route.js';

const tag = 'Objects';

/** "My data" across narratives, and removing an object from view. */
export const myDataRoutes = [
  route({
    method: 'get', path: '/objects', tag,
    summary: 'My data: the latest version of each object in every narrative I own or may edit, each naming its narrative (keyset pages)',
    query: MyObjectsQuery, response: { status: 200, schema: MyObjectPage },
    // Signed in is all it takes: the listing holds only workspaces where the caller has write (domain/my-data.ts).
    access: always.user,
    handle: async ({ query }, g, ctx) => listMyObjects(ctx, signedIn(g), query),
  }),
  route({
    method: 'put', path: '/objects/{ws}/{obj}/hidden', tag,
    summary: 'Remove an object from view (hidden: true) or bring it back; its versions stay, readable by reference',
    params: Type.Object({ ws: IdOrName, obj: IdOrName }), body: HiddenFlag, response: { status: 200, schema: ObjectInfo },
    access: onWorkspace('write'),
    handle: async ({ params, body }, g, ctx) => setObjectHidden(ctx, signedIn(g), grantedWorkspace(g), params.obj, body.hidden),
  }),
];
