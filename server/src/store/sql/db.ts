import type { Kysely, Transaction } from 'kysely';
import type { Tables } from './tables.js';

/** The database, or a transaction on it: every query module works on either. */
export type Db = Kysely<Tables> | Transaction<Tables>;
