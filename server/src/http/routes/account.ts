import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Response } from 'express';
import { createUser, issueToken, login } from '../../domain/users.js';
import { notFound } from '../../errors.js';
import { CreatedToken, CreatedUser, Login, NewToken, NewUser, TokenInfo, User } from '../../schemas/api.js';
import { PositiveInt } from '../../schemas/common.js';
import { signedIn } from '../authorize.js';
import { SESSION_COOKIE, XSRF_COOKIE } from '../cookies.js';
import { always, route } from '../route.js';

const tag = 'Account';

export const accountRoutes = [
  route({
    method: 'post', path: '/login', tag, summary: 'Sign in (browser): name and password, or an API token; sets the session cookie',
    body: Login, response: { status: 200, schema: User },
    access: always.public,
    async handle({ body }, _g, ctx, { res }) {
      const { user, session } = await login(ctx, body);
      setSessionCookies(res, session);
      return { name: user.name, role: user.role };
    },
  }),
  route({
    method: 'post', path: '/logout', tag, summary: 'Sign out: revokes the token this request used', response: { status: 204 },
    access: always.user,
    async handle(_i, g, ctx, { res }) {
      const caller = signedIn(g);
      if (caller.tokenId !== undefined) await ctx.store.revokeToken(caller.id, caller.tokenId, ctx.now());
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.clearCookie(XSRF_COOKIE, { path: '/' });
    },
  }),
  route({
    method: 'get', path: '/me', tag, summary: 'Who am I', response: { status: 200, schema: User },
    access: always.user,
    async handle(_i, g) {
      const { name, role } = signedIn(g);
      return { name, role };
    },
  }),
  route({
    method: 'get', path: '/tokens', tag, summary: 'My unrevoked tokens (never their values)', response: { status: 200, schema: Type.Array(TokenInfo) },
    access: always.user,
    handle: async (_i, g, ctx) => ctx.store.listTokens(signedIn(g).id),
  }),
  route({
    method: 'post', path: '/tokens', tag, summary: 'Create an API token for myself; its value is shown only here',
    body: NewToken, response: { status: 201, schema: CreatedToken },
    access: always.user,
    async handle({ body }, g, ctx) {
      const caller = signedIn(g);
      const label = body.label ?? 'API token';
      const { id, token } = await issueToken(ctx, caller.id, 'api', label);
      return { id, label, token };
    },
  }),
  route({
    method: 'delete', path: '/tokens/{id}', tag, summary: 'Revoke one of my tokens',
    params: Type.Object({ id: PositiveInt }), response: { status: 204 },
    access: always.user,
    async handle({ params }, g, ctx) {
      if (!(await ctx.store.revokeToken(signedIn(g).id, params.id, ctx.now()))) throw notFound(`You have no token ${params.id}.`);
    },
  }),
  route({
    method: 'get', path: '/users', tag, summary: 'All user names and roles (to share with)', response: { status: 200, schema: Type.Array(User) },
    access: always.user,
    handle: async (_i, _g, ctx) => (await ctx.store.listUsers()).map((u) => ({ name: u.name, role: u.role })),
  }),
  route({
    method: 'post', path: '/users', tag, summary: 'Create a user (admins); the answer holds their first API token',
    body: NewUser, response: { status: 201, schema: CreatedUser },
    access: always.admin,
    async handle({ body }, _g, ctx) {
      const { user, token } = await createUser(ctx, body.name, body.role ?? 'user', body.password);
      return { name: user.name, role: user.role, token };
    },
  }),
];

function setSessionCookies(res: Response, session: string): void {
  const common = { path: '/', sameSite: 'strict' as const, maxAge: 14 * 86_400_000 };
  res.cookie(SESSION_COOKIE, session, { ...common, httpOnly: true });
  res.cookie(XSRF_COOKIE, randomBytes(16).toString('hex'), common);
}
