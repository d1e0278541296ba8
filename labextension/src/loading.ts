import { describeError } from './client/client.js';

/** What a panel shows of something it fetches: still loading, why it failed (one sentence), or what came. */
export type Loading<T extends object> = { state: 'loading' } | { state: 'error'; message: string } | ({ state: 'ready' } & T);

/** Runs a fetch and says how it went. */
export async function settle<T extends object>(fetch: () => Promise<T>): Promise<Loading<T>> {
  try {
    return { state: 'ready', ...(await fetch()) };
  } catch (error) {
    return { state: 'error', message: describeError(error) };
  }
}
