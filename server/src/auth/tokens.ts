import { createHash, randomBytes } from 'node:crypto';

/**
 * API and session tokens: 256 random bits, shown once, stored only as their
 * sha256 (a fast hash is enough for secrets this long; passwords use argon2).
 */
const PREFIX = 'nrt_';

export function newToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeToken(text: string): boolean {
  return text.startsWith(PREFIX) && text.length === PREFIX.length + 43;
}
