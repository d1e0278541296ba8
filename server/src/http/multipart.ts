import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import type { Context } from '../domain/context.js';
import type { UploadedFile } from '../domain/uploads.js';
import { badRequest, payloadTooLarge, unsupportedMediaType } from '../errors.js';
import { NAME_PATTERN } from '../schemas/common.js';
import { UPLOAD_FIELDS_MAX, UPLOAD_FILES_MAX, UPLOAD_PARTS_MAX } from '../limits.js';

export interface Received {
  fields: Record<string, string>;
  files: UploadedFile[];
}

const FILE_NAME = new RegExp(NAME_PATTERN);

/**
 * Receives a multipart/form-data body, streaming each file part into the blob
 * store as it arrives (nothing is buffered whole). The first failure ends the
 * request at once: the remaining body is drained so the client gets its
 * answer, and files in flight are cut off so their temp files are removed.
 */
export function receiveMultipart(ctx: Context, req: Request): Promise<Received> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(unsupportedMediaType('Send multipart/form-data with the fields name, type, optional data and one or more files.'));
  }
  let parser: busboy.Busboy;
  try {
    // preservePath: a name like `../x` reaches our check instead of being silently shortened to `x`.
    parser = busboy({ headers: req.headers, preservePath: true, limits: { fields: UPLOAD_FIELDS_MAX, fieldSize: ctx.limits.jsonBytes, files: UPLOAD_FILES_MAX, parts: UPLOAD_PARTS_MAX } });
  } catch (error) {
    return Promise.reject(badRequest(`Malformed multipart request: ${(error as Error).message}`));
  }
  return new Promise<Received>((resolve, reject) => {
    const fields: Record<string, string> = {};
    const uploads: Promise<UploadedFile>[] = [];
    const inFlight = new Set<Readable>();
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      for (const stream of inFlight) stream.destroy(new Error('upload abandoned'));
      req.resume();
      reject(error);
    };

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(payloadTooLarge(`The form field ${name} is larger than ${ctx.limits.jsonBytes} bytes.`));
      else fields[name] = value;
    });
    parser.on('file', (_field, stream, info) => {
      // The parser reports what went wrong (a cut-off body, an abandoned upload) through its own
      // 'error' and the blob store's rejection; a file stream nobody reads any more must not crash the process.
      stream.on('error', () => {});
      const filename = info.filename ?? '';
      if (settled || !FILE_NAME.test(filename)) {
        stream.resume();
        fail(badRequest(`"${filename.slice(0, 80)}" is not a usable file name: letters, digits and _ . + = @ , - only; no paths; not starting with a dot; not all digits.`, [{ path: '/files', message: 'bad file name' }]));
        return;
      }
      inFlight.add(stream);
      const upload = ctx.blobs.put(stream, ctx.limits.blobBytes).then((blob) => ({ filename, ...blob }));
      upload.then(() => inFlight.delete(stream), fail);
      uploads.push(upload);
    });
    parser.on('filesLimit', () => fail(badRequest(`Too many files in one upload (at most ${UPLOAD_FILES_MAX}).`)));
    parser.on('fieldsLimit', () => fail(badRequest(`Too many form fields in one upload (at most ${UPLOAD_FIELDS_MAX}).`)));
    parser.on('partsLimit', () => fail(badRequest(`Too many parts in one upload (at most ${UPLOAD_PARTS_MAX}).`)));
    parser.on('error', (error) => fail(badRequest(`Malformed multipart body: ${(error as Error).message}`)));
    parser.on('close', () => {
      Promise.all(uploads).then((files) => {
        if (settled) return;
        if (files.length === 0) return fail(badRequest('The upload holds no file part.', [{ path: '/files', message: 'at least one file is required' }]));
        settled = true;
        resolve({ fields, files });
      }, fail);
    });
    req.on('error', () => fail(badRequest('The request broke off before its body arrived.')));
    req.on('close', () => {
      if (!req.complete) fail(badRequest('The client closed the request before its body arrived.'));
    });
    req.pipe(parser);
  });
}
