// Helpers for tests of the server and of the platform around it; not part of the server's runtime.
export { needs, needsRoot, underCI } from './prerequisites.js';
export { needsPostgres, postgresBinaries, sharedPostgresCluster, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
export { asUnprivileged } from './unprivileged.js';
