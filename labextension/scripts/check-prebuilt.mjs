// Loads dist/prebuilt the way a stock JupyterLab 4 does (its bootstrap.js and
// index.js): a script tag for `jupyterlab._build.load` under
// <labextensions url>/@narrative/labextension/, container.init(share scope),
// then container.get('./extension') and container.get('./style'). It runs in
// a node:vm with a minimal fake DOM; the share scope offers stub modules of
// JupyterLab 4.6.4's versions, so this checks the federation (chunk loading,
// which shared modules are consumed, no version warning) and the plugin list,
// not the plugins' behaviour. Run by build-prebuilt.mjs; alone:
//
//   node labextension/scripts/check-prebuilt.mjs [dir]   (default dist/prebuilt)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const dir = path.resolve(process.argv[2] ?? fileURLToPath(new URL('../dist/prebuilt', import.meta.url)));
const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const build = pkg.jupyterlab._build;
const base = `https://lab.example/lab/extensions/${pkg.name}/`;

/** The shared modules a stock JupyterLab 4.6.4 provides that the extension may ask for, at their versions. */
const STOCK = {
  '@jupyterlab/application': '4.6.4', '@jupyterlab/apputils': '4.7.4', '@jupyterlab/cells': '4.6.4', '@jupyterlab/codeeditor': '4.6.4', '@jupyterlab/coreutils': '6.6.4', '@jupyterlab/docmanager': '4.6.4',
  '@jupyterlab/filebrowser': '4.6.4', '@jupyterlab/notebook': '4.6.4', '@jupyterlab/rendermime': '4.6.4', '@jupyterlab/services': '7.6.4',
  '@jupyterlab/settingregistry': '4.6.4', '@jupyterlab/translation': '4.6.4', '@jupyterlab/ui-components': '4.6.4',
  '@lumino/algorithm': '2.0.4', '@lumino/coreutils': '2.2.3', '@lumino/disposable': '2.1.5', '@lumino/dragdrop': '2.1.9',
  '@lumino/signaling': '2.1.6', '@lumino/widgets': '2.10.0', react: '18.3.1', 'react-dom': '18.3.1',
};
/** Plugins that must not be in a stock lab, and tokens no plugin of ours may provide there. */
const APP_ONLY = ['@narrative/labextension:drive', '@narrative/labextension:notebook-content-factory'];
const CORE_TOKENS = ['@jupyterlab/services:IDefaultDrive', '@jupyterlab/services:IContentsManager', '@jupyterlab/services:IServerSettings'];

// A stub export: callable, constructible, extendable, with stub properties all the way down.
function stub(name) {
  return new Proxy(function () {}, {
    get(target, key) {
      if (key === 'prototype' || typeof key === 'symbol') return target[key];
      if (!Object.hasOwn(target, key)) target[key] = stub(`${name}.${key}`);
      return target[key];
    },
    construct: () => ({ stub: name }),
    apply: () => stub(`${name}()`),
  });
}
// A stub module; its `I…` exports are named tokens so the check can tell which plugin provides what.
function stubModule(name) {
  const exports = {};
  return new Proxy(exports, {
    get(target, key) {
      if (key === '__esModule') return true;
      if (typeof key === 'symbol') return undefined;
      return (target[key] ??= /^I[A-Z]/.test(key) ? { token: `${name}:${key}` } : stub(`${name}.${key}`));
    },
  });
}

const scripts = [];
const styles = [];
const warnings = [];
const consumed = new Set();
const element = (tag) => ({ tagName: tag.toUpperCase(), attributes: {}, style: {}, parentNode: null, setAttribute(k, v) { this.attributes[k] = v; }, getAttribute(k) { return this.attributes[k] ?? null; }, appendChild(c) { return c; }, removeChild() {} });
const head = element('head');
head.appendChild = (el) => {
  if (el.tagName === 'STYLE') styles.push(el);
  if (el.tagName !== 'SCRIPT') return el;
  scripts.push(el.src.slice(base.length));
  const file = path.join(dir, el.src.slice(base.length).replace(/\?.*$/, ''));
  setTimeout(() => {
    try {
      document.currentScript = el;
      vm.runInContext(fs.readFileSync(file, 'utf8'), context, { filename: file });
      document.currentScript = null;
      el.onload?.({ type: 'load', target: el });
    } catch (error) {
      console.error(error);
      el.onerror?.({ type: 'error', target: el });
    }
  });
  return el;
};
const document = {
  head, body: element('body'), currentScript: null,
  createElement: element, createTextNode: (text) => ({ text }),
  querySelector: (s) => (s === 'head' ? head : null), querySelectorAll: () => [], getElementsByTagName: (t) => (t === 'head' ? [head] : []),
};
const context = vm.createContext({ document, console: { ...console, warn: (...a) => warnings.push(a.join(' ')) }, setTimeout, clearTimeout });
context.self = context.window = context;

const shareScope = {};
for (const [name, version] of Object.entries(STOCK)) {
  shareScope[name] = { [version]: { from: 'stock JupyterLab', eager: false, get: () => Promise.resolve(() => (consumed.add(name), stubModule(name))) } };
}

const problems = [];
const script = element('script');
script.src = base + build.load;
await new Promise((resolve, reject) => {
  script.onload = resolve;
  script.onerror = () => reject(new Error(`${build.load} failed to load`));
  head.appendChild(script);
});
const container = context._JUPYTERLAB?.[pkg.name];
if (!container) throw new Error(`${build.load} did not define _JUPYTERLAB[${JSON.stringify(pkg.name)}]`);
await container.init(shareScope);
const extension = (await container.get(build.extension))();
(await container.get(build.style))();
const plugins = [extension.default].flat();

for (const p of plugins) {
  if (typeof p?.id !== 'string' || typeof p.activate !== 'function') problems.push(`not a plugin: ${JSON.stringify(p)}`);
  if (APP_ONLY.includes(p.id)) problems.push(`${p.id} is app-only`);
  if (CORE_TOKENS.includes(p.provides?.token)) problems.push(`${p.id} provides ${p.provides.token}, replacing the core plugin's`);
}
if (warnings.length) problems.push(...warnings);
if (styles.length === 0) problems.push('./style added no style element');

console.log(`${pkg.name}@${pkg.version} loaded from ${build.load} as a stock lab does:`);
console.log(`  scripts: ${scripts.join(', ')}`);
console.log(`  plugins: ${plugins.map((p) => p.id + (p.provides ? ` (provides ${p.provides.token ?? 'its own token'})` : '')).join(', ')}`);
console.log(`  shared modules taken from the lab: ${[...consumed].sort().join(', ')}`);
console.log(`  ./style: ${styles.length} style elements`);
if (problems.length) {
  console.error(`problems:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
