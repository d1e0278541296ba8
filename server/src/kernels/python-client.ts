import { fileURLToPath } from 'node:url';

/**
 * The directory holding the `narrative` Python package (server/python): what
 * a kernel's PYTHONPATH must name for `import narrative` to work. Standard
 * library only, so any kernel image's Python can import it from here.
 */
export const PYTHON_CLIENT_DIR = fileURLToPath(new URL('../../python', import.meta.url));
