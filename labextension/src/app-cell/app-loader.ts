import { ApiError, APP_STILL_BEING_BUILT, type AppVersion } from '@narrative/server/client';
import type { AppCellClient } from './model.js';

/** How often a cell asks again for an app the server is still building. */
export const APP_BUILD_POLL_MS = 5000;

/** Whether the server answered that the app is one of its bundled apps, still being built: it will be there. */
export function isStillBeingBuilt(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 404 && error.problem.title === APP_STILL_BEING_BUILT;
}

/**
 * Asks for the app until the server has built it: the example narrative's
 * cells open before their bundled apps are ready, and each becomes runnable
 * when its app is, without reopening the narrative. Each answer that it is
 * still on its way goes to `waiting` (it says how far it has got); any other
 * failure ends the wait and is thrown. Null once `still` says the cell is gone.
 */
export async function awaitBuiltApp(
  client: Pick<AppCellClient, 'app'>,
  id: string,
  version: string,
  o: { still(): boolean; waiting(error: ApiError): void; pollMs?: number },
): Promise<AppVersion | null> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? APP_BUILD_POLL_MS));
    if (!o.still()) return null;
    try {
      return await client.app(id, version);
    } catch (error) {
      if (!isStillBeingBuilt(error)) throw error;
      if (!o.still()) return null;
      o.waiting(error);
    }
  }
}
