/**
 * How an app image is built: a Debian base from the machine's own apt
 * sources, exact package versions, a fixed clock, and the app's own files.
 * The same recipe and files build the same bytes, so the image digest can be
 * checked by anyone who rebuilds it.
 */
export interface ImageRecipe {
  /** Debian suite, e.g. bookworm; the machine's apt sources must carry it. */
  suite: string;
  /** mmdebstrap variant: minbase is the smallest that has apt and dpkg. */
  variant: 'minbase' | 'essential' | 'apt' | 'required' | 'important' | 'standard';
  /** Every package as name=version, so a rebuild installs the same ones. */
  packages: string[];
  /** Seconds since 1970: every time stamp in the image. */
  sourceDateEpoch: number;
  /** App files: path in the app directory → absolute path in the image (made executable). */
  files: Record<string, string>;
}

export const PINNED_PACKAGE = /^[a-z0-9][a-z0-9+.-]+=([0-9]+:)?[A-Za-z0-9.+~-]+$/;
/** Under /app, /opt or /usr/local; no `.` or `..` segment, so a path cannot climb out of where it is staged. */
export const IMAGE_PATH = /^\/(app|opt|usr\/local)(\/(?!\.\.?(\/|$))[A-Za-z0-9_.+-]+)+$/;
export const SOURCE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*(\/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*$/;

/** What is wrong with a recipe, each problem with its path; empty when it can be built. */
const SUITE = /^[a-z][a-z0-9-]{1,40}$/;
const VARIANTS: readonly ImageRecipe['variant'][] = ['minbase', 'essential', 'apt', 'required', 'important', 'standard'];

export function recipeProblems(recipe: ImageRecipe): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  // Both become mmdebstrap arguments: a recipe fetched from a server must not be able to pass it an option.
  if (typeof recipe.suite !== 'string' || !SUITE.test(recipe.suite)) problems.push({ path: '/suite', message: 'must be a Debian suite name such as bookworm' });
  if (!VARIANTS.includes(recipe.variant)) problems.push({ path: '/variant', message: `must be one of ${VARIANTS.join(', ')}` });
  recipe.packages.forEach((p, i) => {
    if (!PINNED_PACKAGE.test(p)) problems.push({ path: `/packages/${i}`, message: `"${p}" is not pinned: write name=version (apt-cache policy NAME shows the version)` });
  });
  for (const [source, target] of Object.entries(recipe.files)) {
    if (!SOURCE_PATH.test(source)) problems.push({ path: `/files/${source}`, message: 'must be a relative path inside the app directory' });
    if (!IMAGE_PATH.test(target)) problems.push({ path: `/files/${source}`, message: `${target} must be an absolute path under /app, /opt or /usr/local` });
  }
  return problems;
}
