// The rule lives with the server, whose own tests (the store contract on PostgreSQL) need it too.
export { needs, needsRoot, underCI } from '@narrative/server/testing';
