import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BundledApp, BundledApps } from '@narrative/server/client';
import { BundledAppsModel } from './bundled.js';

const app = (id: string, state: BundledApp['state'], percent: number | null = null): BundledApp => ({ id, version: '1.0', name: id, state, percent, message: '', error: null });
const status = (apps: BundledApp[]): BundledApps => ({ enabled: true, message: '', done: apps.every((a) => a.state === 'ready' || a.state === 'failed'), apps });
const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

/** A client answering each call with the next of `answers` (the last one again once they run out). */
function scripted(answers: (BundledApps | Error)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    bundledApps: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe("the Apps panel's bundled apps", () => {
  it('asks until every app is ready or failed, then stops, telling of each app that became ready once', async () => {
    const client = scripted([
      status([app('a/one', 'building', 40), app('a/two', 'waiting')]),
      status([app('a/one', 'ready', 100), app('a/two', 'building', 5)]),
      status([app('a/one', 'ready', 100), app('a/two', 'failed')]),
    ]);
    const model = new BundledAppsModel(client, { pollMs: 5, retryMs: 5 });
    const ready: string[][] = [];
    model.ready.connect((_, apps) => ready.push(apps.map((a) => a.id)));
    model.start();
    for (let i = 0; i < 10 && client.calls < 3; i++) await tick();
    await tick();
    assert.equal(client.calls, 3, 'no request after the answer that says done');
    assert.deepEqual(ready, [['a/one']]);
    assert.deepEqual(model.unfinished.map((a) => `${a.id} ${a.state}`), ['a/two failed']);
    model.dispose();
  });

  it('counts apps ready at the first answer as in the catalog already, and keeps asking after a failed request', async () => {
    const client = scripted([new Error('server restarting'), status([app('a/one', 'ready', 100), app('a/two', 'building')]), status([app('a/one', 'ready'), app('a/two', 'ready')])]);
    const model = new BundledAppsModel(client, { pollMs: 5, retryMs: 5 });
    const ready: string[][] = [];
    let sawError = false;
    model.changed.connect(() => (sawError ||= model.error !== null));
    model.ready.connect((_, apps) => ready.push(apps.map((a) => a.id)));
    model.start();
    for (let i = 0; i < 10 && client.calls < 3; i++) await tick();
    await tick();
    assert.ok(sawError, 'the failed request was shown');
    assert.equal(model.error, null);
    assert.deepEqual(ready, [['a/two']]);
    assert.deepEqual(model.unfinished, []);
    model.dispose();
  });

  it('stops at once when the server builds no bundled apps', async () => {
    const client = scripted([{ enabled: false, message: 'off', done: true, apps: [] }]);
    const model = new BundledAppsModel(client, { pollMs: 5, retryMs: 5 });
    model.start();
    await tick();
    await tick();
    assert.equal(client.calls, 1);
    model.dispose();
  });
});
