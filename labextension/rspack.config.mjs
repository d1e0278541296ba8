import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import rspack from '@rspack/core';
import miniSVGDataURI from 'mini-svg-data-uri';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Where `npm run build` puts the app the server serves at /lab. */
export const outputDir = path.join(here, 'dist', 'lab');

/** The entry compiled by `tsc -b`; Build.ensureAssets writes style.js beside it. */
export const entryDir = path.join(here, 'lib', 'app');

/** The entry's file name; chunks carry content hashes, the entry keeps one name for index.html. */
export const entryName = 'bundle.js';

/** SVG referenced from CSS: small icons inline as (readable, not base64) data URIs, big SVG fonts as files. */
const svgFromCss = {
  type: 'asset',
  generator: { dataUrl: (/** @type {Buffer} */ content) => miniSVGDataURI(content.toString()) },
};

/** The JupyterLab app: our entry and every extension it imports, minified, in dist/lab/static. */
export const appConfig = {
  name: 'app',
  mode: 'production',
  bail: true,
  devtool: false,
  entry: { main: path.join(entryDir, 'main.js') },
  output: {
    path: path.join(outputDir, 'static'),
    filename: entryName,
    chunkFilename: '[name].[contenthash:8].js',
    assetModuleFilename: '[name].[contenthash:8][ext]',
    clean: true,
  },
  module: {
    rules: [
      { test: /\.css$/, exclude: /\.raw\.css$/, type: 'javascript/auto', use: [rspack.CssExtractRspackPlugin.loader, require.resolve('css-loader')] },
      { test: /\.raw\.css$/, type: 'asset/source' },
      { test: /\.(md|txt)$/, type: 'asset/source' },
      { test: /\.(jpg|png|gif|eot)$/, type: 'asset/resource' },
      { test: /\.(woff2?|ttf)(\?v=\d+\.\d+\.\d+)?$/, type: 'asset' },
      { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.css$/, ...svgFromCss },
      // Raw SVG text where code builds LabIcons from it.
      { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.js$/, type: 'asset/source' },
    ],
  },
  plugins: [
    new rspack.CssExtractRspackPlugin({ filename: '[name].[contenthash:8].css', chunkFilename: '[id].[contenthash:8].css' }),
  ],
  performance: { hints: false },
};

/**
 * Compiles one theme's CSS to dist/lab/themes/<package>/index.css, from the
 * entries @jupyterlab/builder's Build.ensureAssets describes (its own configs
 * use webpack's mini-css-extract-plugin, which rspack replaces).
 *
 * @param {{ entry: { index: string }, output: { path: string } }} theme
 */
export function themeConfig(theme) {
  return {
    name: `theme ${path.relative(outputDir, theme.output.path)}`,
    mode: 'production',
    bail: true,
    devtool: false,
    entry: theme.entry,
    output: { path: theme.output.path, filename: '[name].js' },
    module: {
      rules: [
        { test: /\.css$/, type: 'javascript/auto', use: [rspack.CssExtractRspackPlugin.loader, require.resolve('css-loader')] },
        { test: /\.svg$/, ...svgFromCss },
        { test: /\.(cur|png|jpg|gif|ttf|woff2?|eot)(\?v=\d+\.\d+\.\d+)?$/, type: 'asset' },
      ],
    },
    plugins: [new rspack.CssExtractRspackPlugin({ filename: '[name].css' })],
    performance: { hints: false },
  };
}
