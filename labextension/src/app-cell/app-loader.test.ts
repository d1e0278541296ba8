import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, APP_STILL_BEING_BUILT, type AppVersion } from '@narrative/server/client';
import { awaitBuiltApp, isStillBeingBuilt } from './app-loader.js';
import { APP } from './model.fixture.js';

const building = (percent: number) => new ApiError(404, { type: 'about:blank', title: APP_STILL_BEING_BUILT, status: 404, detail: `still being built (${percent} %)` });
const missing = new ApiError(404, { type: 'about:blank', title: 'Not found', status: 404, detail: 'no such app' });

/** A client answering `app` from a script: each entry an app or an error to throw. */
function scripted(answers: (AppVersion | Error)[]) {
  let asked = 0;
  return {
    get asked() { return asked; },
    app: async () => {
      const answer = answers[Math.min(asked++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('an app cell waiting for a bundled app', () => {
  it('tells a bundled app still being built from an app that is not there', () => {
    assert.equal(isStillBeingBuilt(building(40)), true);
    assert.equal(isStillBeingBuilt(missing), false);
    assert.equal(isStillBeingBuilt(new Error(APP_STILL_BEING_BUILT)), false);
  });

  it('asks again until the app is built, telling each answer on the way', async () => {
    const client = scripted([building(40), building(70), APP]);
    const heard: string[] = [];
    const app = await awaitBuiltApp(client as never, APP.id, APP.version, { still: () => true, waiting: (e) => heard.push(e.problem.detail), pollMs: 1 });
    assert.equal(app, APP);
    assert.deepEqual(heard, ['still being built (40 %)', 'still being built (70 %)']);
    assert.equal(client.asked, 3);
  });

  it('stops waiting at any other answer, and when the cell is gone', async () => {
    await assert.rejects(awaitBuiltApp(scripted([building(10), missing]) as never, APP.id, APP.version, { still: () => true, waiting: () => undefined, pollMs: 1 }), /no such app/);
    let alive = 2;
    const client = scripted([building(10)]);
    const app = await awaitBuiltApp(client as never, APP.id, APP.version, { still: () => alive-- > 0, waiting: () => undefined, pollMs: 1 });
    assert.equal(app, null);
    assert.equal(client.asked, 1);
  });
});
