import type { Generated } from 'kysely';

/** Row shapes of the SQL schema (see migrations.ts). Booleans are 0/1, JSON columns are text, times ISO 8601. */
export interface Tables {
  users: { id: Generated<number>; name: string; role: string; password_hash: string | null; created_at: string };
  tokens: {
    id: Generated<number>;
    user_id: number;
    token_hash: string;
    label: string;
    kind: string;
    created_at: string;
    last_used_at: string | null;
    expires_at: string | null;
    revoked_at: string | null;
    scope_wsid: number | null;
    scope_narrative: number | null;
    scope_kernel_image: string | null;
  };
  token_reads: { token_id: number; wsid: number; objid: number; ver: number; at: string };
  workspaces: {
    id: Generated<number>;
    name: string;
    owner_id: number;
    is_public: number;
    published_at: string | null;
    created_at: string;
    next_objid: number;
  };
  grants: { wsid: number; user_id: number; level: string };
  objects: { wsid: number; objid: number; name: string; latest_ver: number; created_at: string; hidden_at: string | null; hidden_by: number | null };
  object_versions: {
    wsid: number;
    objid: number;
    ver: number;
    type: string;
    data: string;
    size: number;
    saved_by: number;
    saved_at: string;
    provenance: string;
    copied_from: string | null;
    summary: string | null;
  };
  object_files: { wsid: number; objid: number; ver: number; name: string; sha256: string; size: number };
  object_links: {
    parent_wsid: number;
    parent_objid: number;
    parent_ver: number;
    child_wsid: number;
    child_objid: number;
    child_ver: number;
    relation: string;
  };
  blobs: { sha256: string; size: number; created_at: string };
  blob_uploads: { sha256: string; user_id: number; uploaded_at: string };
  lab_settings: { user_id: number; plugin: string; raw: string; updated_at: string };
  lab_workspaces: { user_id: number; id: string; data: string; updated_at: string };
  apps: { id: string; version: string; spec: string; channel: string; registered_by: number; registered_at: string; deprecated_at: string | null; deprecated_reason: string | null };
  kernel_images: { digest: string; name: string; version: string; offered_by: number | null; offered_at: string; withdrawn_at: string | null };
  jobs: {
    id: Generated<number>;
    app_id: string;
    app_version: string;
    user_id: number;
    wsid: number;
    client_request_id: string | null;
    params: string;
    inputs: string;
    resources: string;
    state: string;
    failure: string | null;
    scheduler: string;
    scheduler_id: string | null;
    node: string | null;
    queue_reason: string | null;
    queue_position: number | null;
    outputs: string | null;
    result: string | null;
    attempt: number;
    retry_of: number | null;
    created_at: string;
    started_at: string | null;
    ended_at: string | null;
    narrative_id: number | null;
    narrative_ver: number | null;
    cell_id: string | null;
    rerun_of: number | null;
    run_id: number | null;
    verify: Generated<number>;
    verification: string | null;
  };
  narrative_runs: { id: Generated<number>; narrative_id: number; narrative_ver: number; user_id: number; kind: string; verify: number; created_at: string };
  version_verifications: { wsid: number; objid: number; ver: number; job_id: number; at: string };
  job_events: { seq: Generated<number>; job_id: number; at: string; event: string };
  job_outputs: { job_id: number; attempt: number; output: string; wsid: number; objid: number; ver: number };
  publications: {
    content_id: string;
    narrative_id: number;
    wsid: number;
    /** JSON: the ids of every workspace the archive holds data of, ascending. */
    workspaces: string;
    narrative_ver: number;
    title: string;
    published_by: number;
    published_at: string;
    size: number;
  };
  publication_entries: { content_id: string; seq: number; path: string; kind: string; sha256: string; size: number; digest: string | null };
  narratives: {
    id: Generated<number>;
    wsid: number;
    objid: number;
    title: string;
    created_at: string;
    updated_at: string;
    copied_from: number | null;
    deleted_at: string | null;
  };
}
