/**
 * The one rule for a test whose prerequisite (chromium, root, ...) is missing. On a developer's
 * machine it is skipped, with the reason printed. Under CI it fails instead: a CI machine set up
 * by `npm run setup` has everything, so a skip there would hide a broken set-up behind a green run.
 */

/** CI=true (or any value but empty, 0 and false), as CI services set it. */
export const underCI = (): boolean => !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/**
 * The `skip` option of a test or suite that needs `what`: false when `present`; otherwise the reason
 * (printed), or, under CI, an error thrown while the test file loads, which fails it.
 */
export function needs(what: string, present: boolean): string | false {
  if (present) return false;
  const reason = `needs ${what}`;
  if (underCI()) throw new Error(`missing prerequisite under CI=${process.env.CI}: this test ${reason}; CI fails rather than skips (unset CI to skip)`);
  process.stdout.write(`# skipping: ${reason} (under CI=true this fails)\n`);
  return reason;
}

/** The `skip` option of a test that needs root; `why` says what root is for. */
export const needsRoot = (why: string): string | false => needs(`root: ${why}`, process.getuid?.() === 0);
