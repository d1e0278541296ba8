import './public-path.js';
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services';
import { PluginRegistry } from '@lumino/coreutils';
import { activePlugins } from './plugins.js';

/**
 * Starts the lab. Services come from plugins (services-extension and our
 * drive), so they are resolved from the registry before the application
 * exists, as JupyterLab's own entry point does since 4.4.
 */
async function main(): Promise<void> {
  await import('./style.js');
  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(activePlugins());
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager: (await pluginRegistry.resolveOptionalService(IServiceManager)) ?? undefined,
    connectionStatus: (await pluginRegistry.resolveOptionalService(IConnectionStatus)) ?? undefined,
  });
  if (PageConfig.getOption('exposeAppInBrowser').toLowerCase() === 'true') {
    (window as unknown as { jupyterapp: JupyterLab }).jupyterapp = lab;
  }
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
  // Browser tests and the smoke check wait for this attribute.
  document.body.dataset.labRestored = 'true';
}

void main().catch((error: unknown) => {
  console.error('The lab failed to start.', error);
});
