import { withoutSecrets } from '../logging.js';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { Problem } from '../errors.js';
import { isConcurrencyAbort, isUniqueViolation, isUnstorableText } from '../store/errors.js';

/**
 * The last error handler: every error leaves as application/problem+json.
 * Client mistakes caught below the domain (malformed JSON, oversize bodies,
 * constraint races) become 4xx; anything unforeseen is a logged 500.
 */
export function problemHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const problem = toProblem(error);
    if (problem.status >= 500) logger.error({ err: error, url: withoutSecrets(req.originalUrl) }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (problem.status === 401) res.set('WWW-Authenticate', 'Bearer realm="narrative"');
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'about:blank',
          title: problem.title,
          status: problem.status,
          detail: problem.detail,
          ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
          instance: req.originalUrl,
        }),
      );
  };
}

function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  const e = error as { type?: string; status?: number; message?: string; code?: string; limit?: number };
  switch (e.type) {
    case 'entity.parse.failed':
      return new Problem(400, 'Malformed JSON', `The request body is not valid JSON: ${e.message ?? ''}`);
    case 'entity.too.large':
      return new Problem(413, 'Payload too large', `The request body is larger than the limit of ${e.limit ?? '?'} bytes.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new Problem(415, 'Unsupported media type', e.message ?? 'Unsupported body encoding.');
    case 'request.aborted':
      return new Problem(400, 'Request aborted', 'The client closed the request before its body arrived.');
  }
  // The client hung up mid-body: nobody reads the answer, and it is not the server's failure.
  if (e.code === 'ECONNRESET' || e.code === 'ECONNABORTED' || e.message === 'aborted') {
    return new Problem(400, 'Request aborted', 'The client closed the request before its body arrived.');
  }
  if (isUniqueViolation(e) || isConcurrencyAbort(e)) {
    return new Problem(409, 'Conflict', 'Someone else made the same change at the same moment; try again.');
  }
  if (isUnstorableText(e)) {
    return new Problem(400, 'Bad request', 'Text may not contain the NUL character (\\u0000).');
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new Problem(e.status, 'Bad request', e.message ?? 'Bad request.');
  }
  return new Problem(500, 'Internal server error', 'The server failed; the error is logged.');
}
