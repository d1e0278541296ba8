import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Polling, type IVisibility } from './polling.js';

/** A browser tab whose visibility the test sets. */
class Tab implements IVisibility {
  visibilityState: DocumentVisibilityState = 'visible';
  private listeners = new Set<() => void>();
  addEventListener(_type: 'visibilitychange', listener: () => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'visibilitychange', listener: () => void): void {
    this.listeners.delete(listener);
  }
  set(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    for (const listener of this.listeners) listener();
  }
  get listening(): number {
    return this.listeners.size;
  }
}

describe("the Jobs panel's polling", () => {
  let tab: Tab;
  let loads: number;
  let ticks: number;
  let polling: Polling;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setInterval'] });
    tab = new Tab();
    loads = 0;
    ticks = 0;
    polling = new Polling(() => loads++, () => ticks++, { everyMs: 3000, tickMs: 1000 }, tab);
  });
  afterEach(() => {
    polling.dispose();
    mock.timers.reset();
  });

  it('loads at once when shown, then every few seconds, and stops when the panel is hidden', () => {
    polling.setShown(true);
    assert.equal(loads, 1);
    mock.timers.tick(6000);
    assert.deepEqual([loads, ticks], [3, 6]);
    polling.setShown(false);
    mock.timers.tick(30_000);
    assert.deepEqual([loads, ticks], [3, 6]);
  });

  it('stops while the browser tab is hidden and starts again, with a load, when it is shown', () => {
    polling.setShown(true);
    tab.set('hidden');
    assert.equal(polling.running, false);
    mock.timers.tick(30_000);
    assert.equal(loads, 1);
    tab.set('visible');
    assert.equal(loads, 2, 'back in view: a load at once');
    mock.timers.tick(3000);
    assert.equal(loads, 3);
  });

  it('never starts in a hidden tab, nor for a hidden panel when the tab comes back', () => {
    tab.set('hidden');
    polling.setShown(true);
    assert.equal(loads, 0);
    polling.setShown(false);
    tab.set('visible');
    mock.timers.tick(30_000);
    assert.equal(loads, 0);
  });

  it('halts once signed out, until the tab is shown again or someone asks', () => {
    polling.setShown(true);
    polling.halt();
    mock.timers.tick(30_000);
    assert.equal(loads, 1);
    tab.set('hidden');
    tab.set('visible');
    assert.equal(loads, 2, 'in view again: one more try');
    polling.halt();
    polling.resume();
    assert.equal(loads, 3, 'Refresh: one more try');
    mock.timers.tick(3000);
    assert.equal(loads, 4);
  });

  it('lets go of the tab when disposed', () => {
    polling.setShown(true);
    polling.dispose();
    assert.equal(tab.listening, 0);
    mock.timers.tick(30_000);
    assert.equal(loads, 1);
  });
});
