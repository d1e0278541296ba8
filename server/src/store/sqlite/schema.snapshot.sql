-- migrations: 0001-foundation, 0002-blob-uploads, 0003-apps-and-jobs, 0004-failed-jobs-by-end, 0005-app-deprecation, 0006-lab-state, 0007-job-outputs, 0008-job-origin, 0009-reruns, 0010-narrative-runs, 0011-publications, 0012-summaries-and-hiding, 0013-job-list-indexes, 0014-kernel-tokens, 0015-kernel-images

-- index grants_by_user
CREATE INDEX "grants_by_user" on "grants" ("user_id");

-- index job_events_by_job
CREATE INDEX "job_events_by_job" on "job_events" ("job_id", "seq");

-- index jobs_active
CREATE INDEX "jobs_active" on "jobs" ("state");

-- index jobs_by_state_and_end
CREATE INDEX "jobs_by_state_and_end" on "jobs" ("state", "ended_at");

-- index jobs_retry_of
CREATE INDEX "jobs_retry_of" on "jobs" ("retry_of");

-- index jobs_run
CREATE INDEX "jobs_run" on "jobs" ("run_id");

-- index jobs_user_id
CREATE INDEX "jobs_user_id" on "jobs" ("user_id", "id");

-- index object_links_by_parent
CREATE INDEX "object_links_by_parent" on "object_links" ("parent_wsid", "parent_objid", "parent_ver");

-- index object_versions_by_type
CREATE INDEX "object_versions_by_type" on "object_versions" ("wsid", "type");

-- table apps
CREATE TABLE "apps" ("id" text not null, "version" text not null, "spec" text not null, "channel" text not null check (channel in ('dev', 'beta', 'release')), "registered_by" integer not null references "users" ("id"), "registered_at" text not null, "deprecated_at" text, "deprecated_reason" text, constraint "apps_pk" primary key ("id", "version"));

-- table blob_uploads
CREATE TABLE "blob_uploads" ("sha256" text not null references "blobs" ("sha256"), "user_id" integer not null references "users" ("id"), "uploaded_at" text not null, constraint "blob_uploads_pk" primary key ("user_id", "sha256"));

-- table blobs
CREATE TABLE "blobs" ("sha256" text primary key, "size" integer not null, "created_at" text not null);

-- table grants
CREATE TABLE "grants" ("wsid" integer not null references "workspaces" ("id"), "user_id" integer not null references "users" ("id"), "level" text not null check (level in ('read', 'write', 'admin')), constraint "grants_pk" primary key ("wsid", "user_id"));

-- table job_events
CREATE TABLE "job_events" ("seq" integer primary key autoincrement, "job_id" integer not null references "jobs" ("id"), "at" text not null, "event" text not null);

-- table job_outputs
CREATE TABLE "job_outputs" ("job_id" integer not null references "jobs" ("id"), "attempt" integer not null, "output" text not null, "wsid" integer not null, "objid" integer not null, "ver" integer not null, constraint "job_outputs_pk" primary key ("job_id", "attempt", "output"), constraint "job_outputs_version" foreign key ("wsid", "objid", "ver") references "object_versions" ("wsid", "objid", "ver"));

-- table jobs
CREATE TABLE "jobs" ("id" integer primary key autoincrement, "app_id" text not null, "app_version" text not null, "user_id" integer not null references "users" ("id"), "wsid" integer not null references "workspaces" ("id"), "client_request_id" text, "params" text not null, "inputs" text not null, "resources" text not null, "state" text not null check (state in ('created', 'queued', 'running', 'completed', 'failed', 'cancelled')), "failure" text, "scheduler" text not null, "scheduler_id" text, "node" text, "queue_reason" text, "queue_position" integer, "outputs" text, "result" text, "attempt" integer default 1 not null, "retry_of" integer references "jobs" ("id"), "created_at" text not null, "started_at" text, "ended_at" text, "narrative_id" integer, "narrative_ver" integer, "cell_id" text, "rerun_of" integer references "jobs" ("id"), "verify" integer default 0 not null, "verification" text, "run_id" integer references "narrative_runs" ("id"), constraint "jobs_app" foreign key ("app_id", "app_version") references "apps" ("id", "version"), constraint "jobs_request" unique ("user_id", "client_request_id"));

-- table kernel_images
CREATE TABLE "kernel_images" ("digest" text primary key, "name" text not null, "version" text not null, "offered_by" integer references "users" ("id"), "offered_at" text not null, "withdrawn_at" text);

-- table lab_settings
CREATE TABLE "lab_settings" ("user_id" integer not null references "users" ("id"), "plugin" text not null, "raw" text not null, "updated_at" text not null, constraint "lab_settings_key" primary key ("user_id", "plugin"));

-- table lab_workspaces
CREATE TABLE "lab_workspaces" ("user_id" integer not null references "users" ("id"), "id" text not null, "data" text not null, "updated_at" text not null, constraint "lab_workspaces_key" primary key ("user_id", "id"));

-- table narrative_runs
CREATE TABLE "narrative_runs" ("id" integer primary key autoincrement, "narrative_id" integer not null references "narratives" ("id"), "narrative_ver" integer not null, "user_id" integer not null references "users" ("id"), "kind" text not null, "verify" integer not null, "created_at" text not null);

-- table narratives
CREATE TABLE "narratives" ("id" integer primary key autoincrement, "wsid" integer not null unique references "workspaces" ("id"), "objid" integer not null, "title" text not null, "created_at" text not null, "updated_at" text not null, "copied_from" integer references "narratives" ("id"), "deleted_at" text);

-- table object_files
CREATE TABLE "object_files" ("wsid" integer not null, "objid" integer not null, "ver" integer not null, "name" text not null, "sha256" text not null references "blobs" ("sha256"), "size" integer not null, constraint "object_files_pk" primary key ("wsid", "objid", "ver", "name"), constraint "object_files_version" foreign key ("wsid", "objid", "ver") references "object_versions" ("wsid", "objid", "ver"));

-- table object_links
CREATE TABLE "object_links" ("parent_wsid" integer not null, "parent_objid" integer not null, "parent_ver" integer not null, "child_wsid" integer not null, "child_objid" integer not null, "child_ver" integer not null, "relation" text not null check (relation in ('input', 'copy', 'revert')), constraint "object_links_pk" primary key ("child_wsid", "child_objid", "child_ver", "parent_wsid", "parent_objid", "parent_ver"), constraint "object_links_child" foreign key ("child_wsid", "child_objid", "child_ver") references "object_versions" ("wsid", "objid", "ver"), constraint "object_links_parent" foreign key ("parent_wsid", "parent_objid", "parent_ver") references "object_versions" ("wsid", "objid", "ver"));

-- table object_versions
CREATE TABLE "object_versions" ("wsid" integer not null, "objid" integer not null, "ver" integer not null, "type" text not null, "data" text not null, "size" integer not null, "saved_by" integer not null references "users" ("id"), "saved_at" text not null, "provenance" text not null, "copied_from" text, "summary" text, constraint "object_versions_pk" primary key ("wsid", "objid", "ver"), constraint "object_versions_object" foreign key ("wsid", "objid") references "objects" ("wsid", "objid"));

-- table objects
CREATE TABLE "objects" ("wsid" integer not null references "workspaces" ("id"), "objid" integer not null, "name" text not null, "latest_ver" integer not null, "created_at" text not null, "hidden_at" text, "hidden_by" integer references "users" ("id"), constraint "objects_pk" primary key ("wsid", "objid"), constraint "objects_name" unique ("wsid", "name"));

-- table publication_entries
CREATE TABLE "publication_entries" ("content_id" text not null references "publications" ("content_id"), "seq" integer not null, "path" text not null, "kind" text not null check (kind in ('blob', 'image')), "sha256" text not null, "size" integer not null, "digest" text, constraint "publication_entries_digest" check ((kind = 'image') = (digest is not null)), constraint "publication_entries_pk" primary key ("content_id", "seq"));

-- table publications
CREATE TABLE "publications" ("content_id" text primary key, "narrative_id" integer not null references "narratives" ("id"), "wsid" integer not null references "workspaces" ("id"), "workspaces" text not null check (json_valid(workspaces) and json_type(workspaces) = 'array' and json_array_length(workspaces) > 0), "narrative_ver" integer not null, "title" text not null, "published_by" integer not null references "users" ("id"), "published_at" text not null, "size" integer not null, constraint "publications_version" unique ("narrative_id", "narrative_ver"));

-- table sqlite_sequence
CREATE TABLE sqlite_sequence(name,seq);

-- table token_reads
CREATE TABLE "token_reads" ("token_id" integer not null references "tokens" ("id"), "wsid" integer not null, "objid" integer not null, "ver" integer not null, "at" text not null, constraint "token_reads_pk" primary key ("token_id", "wsid", "objid", "ver"), constraint "token_reads_version" foreign key ("wsid", "objid", "ver") references "object_versions" ("wsid", "objid", "ver"));

-- table tokens
CREATE TABLE "tokens" ("id" integer primary key autoincrement, "user_id" integer not null references "users" ("id"), "token_hash" text not null unique, "label" text not null, "kind" text not null check (kind in ('api', 'session')), "created_at" text not null, "last_used_at" text, "expires_at" text, "revoked_at" text, "scope_wsid" integer references "workspaces" ("id"), "scope_narrative" integer references "narratives" ("id"), "scope_kernel_image" text);

-- table users
CREATE TABLE "users" ("id" integer primary key autoincrement, "name" text not null unique, "role" text not null check (role in ('user', 'developer', 'admin')), "password_hash" text, "created_at" text not null);

-- table version_verifications
CREATE TABLE "version_verifications" ("wsid" integer not null, "objid" integer not null, "ver" integer not null, "job_id" integer not null references "jobs" ("id"), "at" text not null, constraint "version_verifications_pk" primary key ("wsid", "objid", "ver", "job_id"), constraint "version_verifications_version" foreign key ("wsid", "objid", "ver") references "object_versions" ("wsid", "objid", "ver"));

-- table workspaces
CREATE TABLE "workspaces" ("id" integer primary key autoincrement, "name" text not null unique, "owner_id" integer not null references "users" ("id"), "is_public" integer default 0 not null, "published_at" text, "created_at" text not null, "next_objid" integer default 1 not null);
