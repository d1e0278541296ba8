import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appStateOf, METADATA_KEY, writeAppState } from './metadata.js';

/** A cell model's metadata, counting the writes (each one marks the notebook changed). */
function cellModel(metadata: Record<string, unknown>) {
  const store = new Map(Object.entries(metadata));
  let writes = 0;
  return {
    getMetadata: (key: string) => store.get(key),
    setMetadata: (key: string, value: unknown) => {
      writes++;
      store.set(key, value);
    },
    writes: () => writes,
  };
}

describe('app cell metadata', () => {
  it('is read from narrative.app, with empty inputs and parameters when missing', () => {
    assert.deepEqual(appStateOf(cellModel({ [METADATA_KEY]: { app: { id: 'test/a', version: '1.0' } } })), { id: 'test/a', version: '1.0', params: {}, inputs: {} });
    assert.equal(appStateOf(cellModel({})), null, 'not an app cell');
    assert.equal(appStateOf(cellModel({ [METADATA_KEY]: { app: { id: 'test/a' } } })), null, 'no version');
    assert.equal(appStateOf(cellModel({ [METADATA_KEY]: { app: 'test/a' } })), null);
  });

  it('is written as JSON, keeping the rest of narrative, and not at all when nothing changed', () => {
    const model = cellModel({ [METADATA_KEY]: { other: 1, app: { id: 'test/a', version: '1.0', params: {}, inputs: {} } } });
    writeAppState(model, { id: 'test/a', version: '1.0', params: {}, inputs: {}, jobId: undefined });
    assert.equal(model.writes(), 0, 'an undefined field is no change');
    writeAppState(model, { inputs: {}, params: {}, version: '1.0', id: 'test/a' });
    assert.equal(model.writes(), 0, 'the same fields in another order are no change');
    writeAppState(model, { id: 'test/a', version: '1.0', params: { mode: 'slow' }, inputs: { reads: '1/2/3' }, jobId: 4, state: 'queued' });
    assert.equal(model.writes(), 1);
    assert.deepEqual(model.getMetadata(METADATA_KEY), {
      other: 1,
      app: { id: 'test/a', version: '1.0', params: { mode: 'slow' }, inputs: { reads: '1/2/3' }, jobId: 4, state: 'queued' },
    });
  });
});
