/**
 * encodeURIComponent that also takes lone surrogates (as U+FFFD's bytes, which
 * is what a server would see), keeping the characters `keep` allows as they are.
 */
export function percent(text: string, keep: RegExp): string {
  return Array.from(text, (ch) => (keep.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))).join('');
}
