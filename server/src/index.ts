export { loadConfig, type Config } from './config.js';
export { startServer, type RunningServer, ADMIN_TOKEN_FILE } from './server.js';
export { apiRoutes, API_PREFIX } from './http/app.js';
