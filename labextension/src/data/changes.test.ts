import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TranslationBundle } from '@jupyterlab/translation';
import { changeRefusal } from './changes.js';

const trans = { __: (text: string, ...args: unknown[]) => text.replace(/%(\d+)/g, (_m, n: string) => String(args[Number(n) - 1])) } as unknown as TranslationBundle;

describe('whether My data offers to change an object', () => {
  it('refuses in a published narrative, saying why, whatever my level', () => {
    assert.match(changeRefusal({ id: 1, title: 'Final study', level: 'admin', published: true }, trans)!, /^Final study is published, so it is locked for good/);
  });

  it('refuses where I may only read, and offers where I may write', () => {
    assert.match(changeRefusal({ id: 1, title: 'Bob reads', level: 'read', published: false }, trans)!, /^You may only read Bob reads/);
    assert.equal(changeRefusal({ id: 1, title: 'Mine', level: 'admin', published: false }, trans), null);
    assert.equal(changeRefusal({ id: 1, title: 'Shared', level: 'write', published: false }, trans), null);
  });

  it('lets a row from a server that says neither try', () => {
    assert.equal(changeRefusal({ id: 1, title: 'Old server' }, trans), null);
  });
});
