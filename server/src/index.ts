export { ADMIN_TOKEN_FILE, loadConfig, type Config } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { apiRoutes, API_PREFIX } from './http/app.js';
