import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildEnvironment, runBuild } from './build-child.js';

describe('a bundled build in a child process', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-build-child-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes a build the locale, temporary directory and proxies of the server's environment, and nothing else", () => {
    const env = {
      PATH: '/usr/bin:/bin', HOME: '/home/n', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TMPDIR: '/var/tmp', http_proxy: 'http://proxy:3128', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost',
      NARRATIVE_HOME: '/srv/narrative', NARRATIVE_TOKEN: 'secret', AWS_SECRET_ACCESS_KEY: 'secret', NODE_OPTIONS: '--inspect', SSH_AUTH_SOCK: '/run/agent',
    };
    assert.deepEqual(Object.keys(buildEnvironment(env)).sort(), ['HOME', 'HTTPS_PROXY', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR', 'http_proxy', 'no_proxy']);
  });

  it("fails with the build's own words, not a stack or an exit code", async () => {
    const build = runBuild(join(dir, 'no-such-app'), join(dir, 'out'), () => undefined);
    await assert.rejects(build.done, (error: Error) => {
      assert.match(error.message, /no-such-app does not exist/);
      assert.doesNotMatch(error.message, /exit code|    at /);
      return true;
    });
  });

  it('says which recipe problem stops a build before it starts', async () => {
    await writeFile(join(dir, 'app.json'), JSON.stringify({ id: 'test/x', version: '1.0', container: { recipe: 'recipe.json' } }));
    await writeFile(join(dir, 'recipe.json'), JSON.stringify({ suite: 'bookworm', variant: 'minbase', packages: ['jq'], sourceDateEpoch: 1, files: {} }));
    const build = runBuild(dir, join(dir, 'out'), () => undefined);
    await assert.rejects(build.done, /not a valid recipe[\s\S]*jq/);
    build.stop();
  });
});
