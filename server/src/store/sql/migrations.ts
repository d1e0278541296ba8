import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The SQL schema, as ordered migrations. A published migration never
 * changes; add a new one instead. Versions and their files are never updated
 * or deleted: a save adds rows, which is what makes a reference immutable.
 */
const migrations: Record<string, Migration> = {
  '0001-foundation': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'developer', 'admin')`))
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('api', 'session')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('workspaces')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('published_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('next_objid', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createTable('grants')
        .addColumn('wsid', 'integer', (c) => c.notNull().references('workspaces.id'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('read', 'write', 'admin')`))
        .addPrimaryKeyConstraint('grants_pk', ['wsid', 'user_id'])
        .execute();
      await db.schema.createIndex('grants_by_user').on('grants').columns(['user_id']).execute();
      await db.schema
        .createTable('objects')
        .addColumn('wsid', 'integer', (c) => c.notNull().references('workspaces.id'))
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('latest_ver', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('objects_pk', ['wsid', 'objid'])
        .addUniqueConstraint('objects_name', ['wsid', 'name'])
        .execute();
      await db.schema
        .createTable('object_versions')
        .addColumn('wsid', 'integer', (c) => c.notNull())
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('ver', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('saved_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('saved_at', 'text', (c) => c.notNull())
        .addColumn('provenance', 'text', (c) => c.notNull())
        .addColumn('copied_from', 'text')
        .addPrimaryKeyConstraint('object_versions_pk', ['wsid', 'objid', 'ver'])
        .addForeignKeyConstraint('object_versions_object', ['wsid', 'objid'], 'objects', ['wsid', 'objid'])
        .execute();
      await db.schema.createIndex('object_versions_by_type').on('object_versions').columns(['wsid', 'type']).execute();
      await db.schema
        .createTable('blobs')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('object_files')
        .addColumn('wsid', 'integer', (c) => c.notNull())
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('ver', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
        .addColumn('size', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('object_files_pk', ['wsid', 'objid', 'ver', 'name'])
        .addForeignKeyConstraint('object_files_version', ['wsid', 'objid', 'ver'], 'object_versions', ['wsid', 'objid', 'ver'])
        .execute();
      await db.schema
        .createTable('object_links')
        .addColumn('parent_wsid', 'integer', (c) => c.notNull())
        .addColumn('parent_objid', 'integer', (c) => c.notNull())
        .addColumn('parent_ver', 'integer', (c) => c.notNull())
        .addColumn('child_wsid', 'integer', (c) => c.notNull())
        .addColumn('child_objid', 'integer', (c) => c.notNull())
        .addColumn('child_ver', 'integer', (c) => c.notNull())
        .addColumn('relation', 'text', (c) => c.notNull().check(sql`relation in ('input', 'copy', 'revert')`))
        .addPrimaryKeyConstraint('object_links_pk', ['child_wsid', 'child_objid', 'child_ver', 'parent_wsid', 'parent_objid', 'parent_ver'])
        .addForeignKeyConstraint('object_links_child', ['child_wsid', 'child_objid', 'child_ver'], 'object_versions', ['wsid', 'objid', 'ver'])
        .addForeignKeyConstraint('object_links_parent', ['parent_wsid', 'parent_objid', 'parent_ver'], 'object_versions', ['wsid', 'objid', 'ver'])
        .execute();
      await db.schema.createIndex('object_links_by_parent').on('object_links').columns(['parent_wsid', 'parent_objid', 'parent_ver']).execute();
      await db.schema
        .createTable('narratives')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('wsid', 'integer', (c) => c.notNull().unique().references('workspaces.id'))
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('copied_from', 'integer', (c) => c.references('narratives.id'))
        .addColumn('deleted_at', 'text')
        .execute();
    },
  },
  '0002-blob-uploads': {
    // A sha256 is no secret (readers of an object see it): attaching a blob to a new object takes having uploaded it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('blob_uploads')
        .addColumn('sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('uploaded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('blob_uploads_pk', ['user_id', 'sha256'])
        .execute();
    },
  },
  '0003-apps-and-jobs': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('dev', 'beta', 'release')`))
        .addColumn('registered_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('apps_pk', ['id', 'version'])
        .execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('app_version', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('wsid', 'integer', (c) => c.notNull().references('workspaces.id'))
        .addColumn('client_request_id', 'text')
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('resources', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('created', 'queued', 'running', 'completed', 'failed', 'cancelled')`))
        .addColumn('failure', 'text')
        .addColumn('scheduler', 'text', (c) => c.notNull())
        .addColumn('scheduler_id', 'text')
        .addColumn('node', 'text')
        .addColumn('queue_reason', 'text')
        .addColumn('queue_position', 'integer')
        .addColumn('outputs', 'text')
        .addColumn('result', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('retry_of', 'integer', (c) => c.references('jobs.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .addForeignKeyConstraint('jobs_app', ['app_id', 'app_version'], 'apps', ['id', 'version'])
        .addUniqueConstraint('jobs_request', ['user_id', 'client_request_id'])
        .execute();
      await db.schema.createIndex('jobs_active').on('jobs').columns(['state']).execute();
      await db.schema
        .createTable('job_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_events_by_job').on('job_events').columns(['job_id', 'seq']).execute();
    },
  },
  '0004-failed-jobs-by-end': {
    // The reconciler looks at recently failed jobs every pass (missed resubmissions).
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('jobs_by_state_and_end').on('jobs').columns(['state', 'ended_at']).execute();
    },
  },
  '0005-app-deprecation': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('deprecated_at', 'text').execute();
      await db.schema.alterTable('apps').addColumn('deprecated_reason', 'text').execute();
    },
  },
  '0006-lab-state': {
    async up(db: Kysely<unknown>) {
      for (const [table, key, value] of [['lab_settings', 'plugin', 'raw'], ['lab_workspaces', 'id', 'data']] as const) {
        await db.schema
          .createTable(table)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
          .addColumn(key, 'text', (c) => c.notNull())
          .addColumn(value, 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_key`, ['user_id', key])
          .execute();
      }
    },
  },
  '0007-job-outputs': {
    // One saved version per job, attempt and output, whatever process, pass or retry ingests the job again:
    // the loser's save hits this key and is undone whole. Jobs that completed before it have no rows (not
    // backfilled): it guards the ingests from here on.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_outputs')
        .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('output', 'text', (c) => c.notNull())
        .addColumn('wsid', 'integer', (c) => c.notNull())
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('ver', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_outputs_pk', ['job_id', 'attempt', 'output'])
        .addForeignKeyConstraint('job_outputs_version', ['wsid', 'objid', 'ver'], 'object_versions', ['wsid', 'objid', 'ver'])
        .execute();
    },
  },
  '0008-job-origin': {
    // The narrative and cell a run was started from, for its outputs' provenance. Older jobs have none.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('narrative_id', 'integer').execute();
      await db.schema.alterTable('jobs').addColumn('narrative_ver', 'integer').execute();
      await db.schema.alterTable('jobs').addColumn('cell_id', 'text').execute();
    },
  },
  '0009-reruns': {
    // A re-run names the job it repeats; a verified one keeps its comparison, and each original version
    // it found identical records that verification (no duplicate version is saved for it).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('rerun_of', 'integer', (c) => c.references('jobs.id')).execute();
      await db.schema.alterTable('jobs').addColumn('verify', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('jobs').addColumn('verification', 'text').execute();
      await db.schema
        .createTable('version_verifications')
        .addColumn('wsid', 'integer', (c) => c.notNull())
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('ver', 'integer', (c) => c.notNull())
        .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('version_verifications_pk', ['wsid', 'objid', 'ver', 'job_id'])
        .addForeignKeyConstraint('version_verifications_version', ['wsid', 'objid', 'ver'], 'object_versions', ['wsid', 'objid', 'ver'])
        .execute();
    },
  },
  '0010-narrative-runs': {
    // A narrative's app cells run together (all of them, or those an update needs): one row per run, its jobs name it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('narrative_runs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('narrative_id', 'integer', (c) => c.notNull().references('narratives.id'))
        .addColumn('narrative_ver', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('verify', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('jobs').addColumn('run_id', 'integer', (c) => c.references('narrative_runs.id')).execute();
      await db.schema.createIndex('jobs_run').on('jobs').column('run_id').execute();
    },
  },
  '0011-publications': {
    // A published narrative version (once per version) and its archive's files in order, each by content
    // address (a blob's sha256, an image's digest), so the very same archive is served again, never rebuilt.
    // `workspaces`, a JSON array of ids, is every workspace the archive holds data of: reading needs them all.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('publications')
        .addColumn('content_id', 'text', (c) => c.primaryKey())
        .addColumn('narrative_id', 'integer', (c) => c.notNull().references('narratives.id'))
        .addColumn('wsid', 'integer', (c) => c.notNull().references('workspaces.id'))
        .addColumn('workspaces', 'text', (c) => c.notNull().check(sql`json_valid(workspaces) and json_type(workspaces) = 'array' and json_array_length(workspaces) > 0`))
        .addColumn('narrative_ver', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('published_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addUniqueConstraint('publications_version', ['narrative_id', 'narrative_ver'])
        .execute();
      await db.schema
        .createTable('publication_entries')
        .addColumn('content_id', 'text', (c) => c.notNull().references('publications.content_id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('blob', 'image')`))
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('digest', 'text')
        .addCheckConstraint('publication_entries_digest', sql`(kind = 'image') = (digest is not null)`)
        .addPrimaryKeyConstraint('publication_entries_pk', ['content_id', 'seq'])
        .execute();
    },
  },
  '0012-summaries-and-hiding': {
    // A version's summary: statistics of its files that its type's summariser computed once, when the content was
    // first saved, written with the version and never changed (null before this, and where there is none). Hiding
    // takes an object out of listings; its versions stay, readable by reference, so provenance stays whole.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('object_versions').addColumn('summary', 'text').execute();
      await db.schema.alterTable('objects').addColumn('hidden_at', 'text').execute();
      await db.schema.alterTable('objects').addColumn('hidden_by', 'integer', (c) => c.references('users.id')).execute();
    },
  },
  '0013-job-list-indexes': {
    // A user's jobs newest first is one index walk (the list pages by id), and the retry of a job is found without a scan.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('jobs_user_id').on('jobs').columns(['user_id', 'id']).execute();
      await db.schema.createIndex('jobs_retry_of').on('jobs').column('retry_of').execute();
    },
  },
  '0014-kernel-tokens': {
    // A kernel's token is scoped to the narrative its session is for: it writes only into that narrative's
    // workspace. It names the image its kernel runs in (null: the host's Python), and the versions it read
    // are kept, so what a code cell saves records what the server knows, not what the kernel says.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tokens').addColumn('scope_wsid', 'integer', (c) => c.references('workspaces.id')).execute();
      await db.schema.alterTable('tokens').addColumn('scope_narrative', 'integer', (c) => c.references('narratives.id')).execute();
      await db.schema.alterTable('tokens').addColumn('scope_kernel_image', 'text').execute();
      await db.schema
        .createTable('token_reads')
        .addColumn('token_id', 'integer', (c) => c.notNull().references('tokens.id'))
        .addColumn('wsid', 'integer', (c) => c.notNull())
        .addColumn('objid', 'integer', (c) => c.notNull())
        .addColumn('ver', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('token_reads_pk', ['token_id', 'wsid', 'objid', 'ver'])
        .addForeignKeyConstraint('token_reads_version', ['wsid', 'objid', 'ver'], 'object_versions', ['wsid', 'objid', 'ver'])
        .execute();
    },
  },
  '0015-kernel-images': {
    // The kernel images an admin offers for code cells, by digest. Withdrawing keeps the row: a narrative pinned to
    // the image still opens into it while the image is stored; it is only no longer offered for new narratives.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kernel_images')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('offered_by', 'integer', (c) => c.references('users.id'))
        .addColumn('offered_at', 'text', (c) => c.notNull())
        .addColumn('withdrawn_at', 'text')
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
