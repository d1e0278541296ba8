import fc from 'fast-check';
import type { Operation } from './operations.js';
import { CALLERS, type CallerName } from './world.js';

/**
 * Who sends a request. `signed-in`: the callers of a valid request, mostly
 * alice (who owns the world, so her requests get past permissions into the
 * handlers). `any`: the caller fault, every kind of caller including none, a
 * bogus token and a stale cookie. Signing out revokes the token used, so only
 * erin (whose token is expendable) and callers without a real token sign out.
 */
export function callerFor(op: Operation, who: 'signed-in' | 'any'): fc.Arbitrary<CallerName> {
  if (/ \/api\/v1\/logout$/.test(op.key)) return fc.constantFrom<CallerName>('erin', 'anonymous', 'bogus', 'staleCookie');
  if (who === 'any') return fc.constantFrom(...CALLERS.filter((c) => c !== 'erin'));
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant<CallerName>('alice') },
    { weight: 3, arbitrary: fc.constant<CallerName>('admin') },
    { weight: 2, arbitrary: fc.constant<CallerName>('bob') },
    { weight: 2, arbitrary: fc.constant<CallerName>('dora') },
    { weight: 2, arbitrary: fc.constant<CallerName>('aliceCookie') },
  );
}

/** Callers the server must treat as nobody: no credentials, or a session cookie that checks out as nothing. */
export function isAnonymous(caller: CallerName): boolean {
  return caller === 'anonymous' || caller === 'staleCookie';
}
