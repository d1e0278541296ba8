/** The narrative id in a notebook path `<title> (<id>).ipynb`, or null for any other file. */
export function narrativeIdOf(path: string | null | undefined): number | null {
  const match = path?.match(/\((\d+)\)\.ipynb$/);
  return match ? Number(match[1]) : null;
}
