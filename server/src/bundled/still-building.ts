/**
 * The title of the 404 that GET /apps/{module}/{name}?version= answers for a
 * bundled app not built yet: a client told this waits and asks again, where
 * any other 404 means the app is not there.
 */
export const APP_STILL_BEING_BUILT = 'App still being built';
