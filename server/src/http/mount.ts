import type { TSchema } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Context } from '../domain/context.js';
import type { Caller } from '../domain/permissions.js';
import { createAjv, invalidRequest, toFieldErrors } from '../schemas/validation.js';
import { callerOf } from './authenticate.js';
import { authorize } from './authorize.js';
import { unauthorized, unsupportedMediaType } from '../errors.js';
import { requireShallow } from '../limits.js';
import { anonymousMayCall, Reply, type Access, type AnyRoute } from './route.js';

/**
 * Registers routes on a router. Each request goes through the same steps:
 * authenticate, validate params/query/body against the route's schemas,
 * authorize against its declared access, then the handler.
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], ctx: Context): void {
  // Path and query values arrive as strings: coerce them to the schema's types.
  const coercing = createAjv({ coerceTypes: true, useDefaults: true });
  const strict = createAjv({ useDefaults: true });
  const compile = (ajv: typeof strict, schema: TSchema | undefined): ValidateFunction | null => (schema ? ajv.compile(schema) : null);
  const jsonBody = express.json({ limit: ctx.limits.jsonBytes, type: () => true });
  const requireJsonType = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is('application/json')) throw unsupportedMediaType('Send the body as application/json.');
    next();
  };

  for (const r of routes) {
    const validateParams = compile(coercing, r.params);
    const validateQuery = compile(coercing, r.query);
    const validateBody = r.bodyKind === 'raw' ? null : compile(strict, r.body);
    const integerParams = integerKeys(r.params);
    const integerQuery = integerKeys(r.query);
    // Who is calling is settled before any body is read: anonymous callers cannot make us parse one, but for the
    // routes that refuse no one (a lookup of jobs, whose small body is bounded as every JSON body is).
    const identify = async (req: Request, res: Response, next: NextFunction) => {
      const probe = probeAccess(r, normalizeParams(req.params));
      // Public routes ignore the session cookie, so a stale one never locks anyone out of signing in.
      const caller = await callerOf(ctx, req, { cookie: probe.kind !== 'public' });
      if (!caller && !anonymousMayCall(r.method, probe)) throw unauthorized();
      res.locals.caller = caller;
      next();
    };
    const handle = async (req: Request, res: Response) => {
      const caller = res.locals.caller as Caller | null;
      const params = normalizeParams(req.params);
      const query = { ...(req.query as Record<string, unknown>) };
      requireDigits(params, integerParams, '/params');
      requireDigits(query, integerQuery, '/query');
      check(validateParams, params, '/params');
      check(validateQuery, query, '/query');
      const body: unknown = validateBody ? req.body : undefined;
      requireShallow(body, ctx.limits.jsonDepth, 'The request body');
      check(validateBody, body, '/body');
      const input = { params, query, body };
      const granted = await authorize(ctx, caller, r.access(input), r.method);
      const result = await r.handle(input, granted, ctx, { req, res });
      if (res.headersSent) return;
      if (result instanceof Reply) {
        res.status(result.status).json(result.body);
      } else if (r.response.status === 204) {
        res.status(204).end();
      } else {
        res.status(r.response.status).json(result);
      }
    };
    const path = r.expressPath ?? r.path.replace(/\{(\w+)\}/g, ':$1');
    if (!validateBody) router[r.method](path, identify, handle);
    else if (r.jsonOfAnyContentType) router[r.method](path, identify, jsonBody, handle);
    else router[r.method](path, identify, requireJsonType, jsonBody, handle);
  }
}

/** The route's access for input not yet validated: enough to tell its kind and level. */
function probeAccess(r: AnyRoute, params: Record<string, string>): Access {
  try {
    return r.access({ params, query: {}, body: {} });
  } catch {
    return { kind: 'user' };
  }
}

/** The integer properties of a params or query schema. */
function integerKeys(schema: TSchema | undefined): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  return Object.entries(properties).filter(([, s]) => s.type === 'integer').map(([name]) => name);
}

/**
 * Numbers in paths and queries are written in plain digits only. Coercion alone
 * would read ` 1`, `+1`, `1e0` and `0x1` as 1, giving one id many spellings.
 */
function requireDigits(values: Record<string, unknown>, names: string[], prefix: string): void {
  const wrong = names.filter((name) => typeof values[name] === 'string' && !/^[0-9]{1,16}$/.test(values[name] as string));
  if (wrong.length > 0) throw invalidRequest(wrong.map((name) => ({ path: `${prefix}/${name}`, message: 'must be a whole number written in digits' })));
}

function check(validate: ValidateFunction | null, value: unknown, prefix: string): void {
  if (validate && !validate(value)) throw invalidRequest(toFieldErrors(validate.errors, prefix));
}

/** Express 5 gives wildcard parameters as arrays of segments; the schemas see one path string. */
function normalizeParams(params: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) out[key] = Array.isArray(value) ? value.join('/') : value;
  return out;
}

