// `style.js` is generated beside the compiled entry by @jupyterlab/builder's
// Build.ensureAssets at bundle time: one CSS import per extension package.
export {};
