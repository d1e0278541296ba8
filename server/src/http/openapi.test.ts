import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENDED_STATES, JOB_STATES } from '../domain/jobs/states.js';
import { SERVER_VERSION } from '../version.js';
import { apiRoutes } from './app.js';
import { openApiDocument } from './openapi.js';

type Schema = { anyOf?: Schema[]; properties?: Record<string, Schema>; required?: string[]; const?: unknown };

describe('the OpenAPI document', () => {
  const document = openApiDocument(apiRoutes(), SERVER_VERSION) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>> };
  const jobSchema = document.paths['/jobs/{id}']!.get!.responses['200']!.content!['application/json']!.schema;

  it('publishes the job as a union told apart by its state, one member per state', () => {
    const members = jobSchema.anyOf ?? [];
    assert.deepEqual(members.map((m) => m.properties?.state?.const), [...JOB_STATES]);
    for (const member of members) assert.ok(member.required?.includes('state'));
  });

  it('gives each state only its own fields', () => {
    const fieldsOf = (state: string) => Object.keys(jobSchema.anyOf!.find((m) => m.properties?.state?.const === state)!.properties!);
    assert.ok(fieldsOf('failed').includes('failure'));
    assert.ok(fieldsOf('completed').includes('outputs'));
    assert.ok(fieldsOf('queued').includes('queueReason'));
    for (const state of JOB_STATES.filter((s) => s !== 'failed')) assert.ok(!fieldsOf(state).includes('failure'), state);
    for (const state of JOB_STATES.filter((s) => s !== 'completed')) assert.ok(!fieldsOf(state).includes('outputs'), state);
    for (const state of JOB_STATES.filter((s) => s !== 'queued')) assert.ok(!fieldsOf(state).includes('queueReason'), state);
    for (const state of ENDED_STATES) assert.ok(fieldsOf(state).includes('endedAt'), state);
  });

  it('names the ended states as the table has them', () => {
    assert.deepEqual([...ENDED_STATES], ['completed', 'failed', 'cancelled']);
  });
});
