import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The one plugin whose settings schema the stand-in lab holds. */
export const STAND_IN_PLUGIN = '@narrative/labextension:demo';

/**
 * A minimal built lab in `lab` (an existing, empty directory): one plugin
 * schema, one entry script and the light theme, so the server's lab routes
 * exist without the real bundle. The browser tests load the real one.
 */
export async function writeStandInLab(lab: string): Promise<void> {
  await mkdir(join(lab, 'static'));
  await mkdir(join(lab, 'schemas', '@narrative', 'labextension'), { recursive: true });
  await mkdir(join(lab, 'themes', '@jupyterlab', 'theme-light-extension'), { recursive: true });
  await writeFile(join(lab, 'build.json'), JSON.stringify({ entry: { file: 'bundle.js', url: 'bundle.js?v=1' }, jupyterlabVersion: '4.6.4' }));
  await writeFile(join(lab, 'static', 'bundle.js'), 'console.log("lab")');
  await writeFile(join(lab, 'themes', '@jupyterlab', 'theme-light-extension', 'index.css'), 'body {}');
  await writeFile(join(lab, 'schemas', '@narrative', 'labextension', 'demo.json'), JSON.stringify({ title: 'Demo', type: 'object', properties: { size: { type: 'integer', default: 3 } } }));
}
