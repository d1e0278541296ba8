/**
 * Errors that reach a client. Each carries an HTTP status and becomes an
 * `application/problem+json` document (RFC 9457); anything else is a 500.
 */
export interface FieldError {
  /** JSON pointer into the request (e.g. `/body/data/contigCount`). */
  readonly path: string;
  readonly message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(detail);
    this.name = 'Problem';
  }
}

export const badRequest = (detail: string, errors: readonly FieldError[] = []) =>
  new Problem(400, 'Bad request', detail, errors);
export const unauthorized = (detail = 'Sign in or send an API token: Authorization: Bearer <token>.') =>
  new Problem(401, 'Authentication required', detail);
export const forbidden = (detail: string) => new Problem(403, 'Forbidden', detail);
export const notFound = (detail: string) => new Problem(404, 'Not found', detail);
export const conflict = (detail: string) => new Problem(409, 'Conflict', detail);
export const payloadTooLarge = (detail: string) => new Problem(413, 'Payload too large', detail);
export const unsupportedMediaType = (detail: string) => new Problem(415, 'Unsupported media type', detail);
export const invalidContent = (detail: string, errors: readonly FieldError[] = []) =>
  new Problem(422, 'Invalid content', detail, errors);
