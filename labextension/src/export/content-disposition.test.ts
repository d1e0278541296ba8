import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileNameOf } from './content-disposition.js';

describe('the file name of a Content-Disposition header', () => {
  it('reads the quoted name the export routes send, and bare and escaped ones', () => {
    assert.equal(fileNameOf('attachment; filename="narrative-7.archive.tar"', 'x'), 'narrative-7.archive.tar');
    assert.equal(fileNameOf('attachment; filename=narrative-7.ro-crate.zip', 'x'), 'narrative-7.ro-crate.zip');
    assert.equal(fileNameOf('attachment; FileName="a \\"quoted\\" name.json"', 'x'), 'a "quoted" name.json');
    assert.equal(fileNameOf('attachment; filename="semi;colon.tar"; size=12', 'x'), 'semi;colon.tar');
  });

  it('prefers the UTF-8 filename* to the plain one, and passes over one it cannot decode', () => {
    assert.equal(fileNameOf(`attachment; filename="Bodenprobe.tar"; filename*=UTF-8''Bodenprobe%20%C3%BC.tar`, 'x'), 'Bodenprobe ü.tar');
    assert.equal(fileNameOf(`attachment; filename*=utf-8'en'caf%C3%A9.zip`, 'x'), 'café.zip');
    assert.equal(fileNameOf(`attachment; filename*=UTF-8''bad%E0%A4%A.tar; filename="plain.tar"`, 'x'), 'plain.tar');
    assert.equal(fileNameOf(`attachment; filename*=iso-8859-1''caf%E9.zip; filename="cafe.zip"`, 'x'), 'cafe.zip');
  });

  it('keeps only the last path segment, and falls back when nothing usable is left', () => {
    assert.equal(fileNameOf('attachment; filename="../../etc/passwd"', 'x'), 'passwd');
    assert.equal(fileNameOf('attachment; filename="C:\\\\Users\\\\a.tar"', 'x'), 'a.tar');
    assert.equal(fileNameOf('attachment; filename="a\u0007b.tar"', 'x'), 'ab.tar');
    for (const header of [null, '', 'attachment', 'attachment; filename=""', 'attachment; filename="dir/"', 'attachment; filename=".."']) {
      assert.equal(fileNameOf(header, 'narrative-7.tar'), 'narrative-7.tar', String(header));
    }
  });
});
