import { PageConfig } from '@jupyterlab/coreutils';

declare let __webpack_public_path__: string;

// Chunks and the assets CSS refers to load from wherever the server mounts
// the bundle (page config `fullStaticUrl`, e.g. /lab/static), so the bundle is
// not tied to one URL prefix. This module is imported first, before any chunk.
__webpack_public_path__ = `${PageConfig.getOption('fullStaticUrl')}/`;
