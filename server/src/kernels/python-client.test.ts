import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PYTHON_CLIENT_DIR } from './python-client.js';

/** Debian's interpreter, the kernels' own; the `python3` first on PATH may be another. */
const PYTHON = '/usr/bin/python3';

describe('the narrative Python package', () => {
  it('is where PYTHON_CLIENT_DIR says', async () => {
    await access(join(PYTHON_CLIENT_DIR, 'narrative', '__init__.py'));
  });

  it("passes its own tests (stand-in server: get, files, save, refusals as NarrativeError, the code claim)", async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(PYTHON, ['-W', 'error::ResourceWarning', '-m', 'unittest', 'discover', '-s', 'tests'], { cwd: PYTHON_CLIENT_DIR, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' }, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      });
    });
    assert.equal(code, 0, output);
    assert.match(output, /^OK$/m);
  });
});
