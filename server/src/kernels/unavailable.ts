import { Problem } from '../errors.js';

/**
 * The one 5xx the kernel proxy answers: code cells cannot be served right now
 * (a user's Jupyter server would not start, stopped, or does not answer).
 */
export function unavailable(detail = 'The Jupyter server behind your code cells is not answering; try again in a moment.'): Problem {
  return new Problem(503, 'Code cells unavailable', detail);
}
