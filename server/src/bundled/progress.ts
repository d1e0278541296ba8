import type { BundledApp, BundledApps } from '../schemas/bundled.js';

/** A change of one bundled app's progress, for whoever prints or shows it. */
export type ProgressListener = (app: BundledApp) => void;

/**
 * How far each bundled app has got: one entry per app in build order, changed
 * only through `update`, which tells the listeners (`narrative serve` prints
 * the changes; the API answers the whole list).
 */
export class BundledProgress {
  private readonly apps = new Map<string, BundledApp>();
  private readonly listeners = new Set<ProgressListener>();

  constructor(readonly enabled: boolean, private message: string) {}

  add(app: Pick<BundledApp, 'id' | 'version' | 'name'>): void {
    // Only these fields: the caller's object may carry more (its source), which is not the API's to show.
    this.apps.set(keyOf(app), { id: app.id, version: app.version, name: app.name, state: 'waiting', percent: null, message: 'waiting for its turn', error: null });
  }

  get(key: string): BundledApp | undefined {
    return this.apps.get(key);
  }

  /** Replaces the fields given; a listener hears of it only when something changed. */
  update(key: string, change: Partial<Pick<BundledApp, 'state' | 'percent' | 'message' | 'error'>>): void {
    const before = this.apps.get(key);
    if (!before) return;
    const after = { ...before, ...change };
    if (JSON.stringify(after) === JSON.stringify(before)) return;
    this.apps.set(key, after);
    for (const listener of this.listeners) {
      // A listener's failure (a closed stderr) is its own: the builder goes on.
      try {
        listener(after);
      } catch {
        /* ignored: see above */
      }
    }
  }

  /** The whole-list message: why nothing is built, or what went wrong before any app could start. */
  setMessage(message: string): void {
    this.message = message;
  }

  onChange(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): BundledApps {
    const apps = [...this.apps.values()];
    return { enabled: this.enabled, message: this.message, done: apps.every((a) => a.state === 'ready' || a.state === 'failed'), apps };
  }
}

export const keyOf = (app: { id: string; version: string }): string => `${app.id}@${app.version}`;

/**
 * A build's phases, in the order they come, with how far into the whole job
 * (build, then storing the image, then registering) each is: mmdebstrap's own
 * `I:` lines, the image builder's and the image store's. Weighted by a
 * measured first start on two cores (MEGAHIT: about 100 s of build, 50 s of
 * storing, most of it packing SquashFS). Estimates, but they only move
 * forward; a line not listed keeps the last percentage.
 */
const PHASES: [text: string, percent: number][] = [
  ['checking that the apt sources', 1],
  ['installing Debian', 1],
  ['running apt-get update', 2],
  ['downloading packages', 6],
  ['extracting archives', 10],
  ['installing essential packages', 25],
  ['installing remaining packages', 50],
  ['cleaning package lists', 58],
  ['creating tarball', 60],
  ['adding the app files', 64],
  ['packing the OCI archive', 66],
  // The image store's phases (registering), after the build.
  ['checking and unpacking', 72],
  ['packing SquashFS', 78],
];

/** Where storing the image starts: what a build, or an earlier one found in the cache, has reached. */
export const BUILT_PERCENT = 70;

/** The percentage a build or registration line stands for, or null when the line says nothing about it. */
export function percentOf(line: string): number | null {
  const phase = PHASES.find(([text]) => line.startsWith(text));
  return phase ? phase[1] : null;
}

/**
 * A failure in a few lines: its first (what failed) and the error lines of the
 * tools under it (apt's and mmdebstrap's `E:`), else its last lines. The log
 * keeps it whole; this is what a panel and a terminal show.
 */
export function condensed(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.slice(1).filter((l) => /^E: /.test(l));
  const kept = [lines[0] ?? '', ...(errors.length > 0 ? errors.slice(0, 4) : lines.slice(1).slice(-4))];
  return kept.map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l)).join('\n');
}

/**
 * The status as a user who is not an admin sees it: every message and error
 * cut to its first line, without the server's paths and process ids (which
 * are the operator's business, as is apt's whole output). Admins get it
 * whole; the log keeps everything.
 */
export function forUsers(status: BundledApps): BundledApps {
  return {
    ...status,
    message: forUser(status.message),
    apps: status.apps.map((app) => ({ ...app, message: forUser(app.message), error: app.error === null ? null : forUser(app.error) })),
  };
}

/** One message for a user who is not an admin: its first line, absolute paths and process ids left out. */
export function forUser(text: string): string {
  const first = text.split('\n').find((line) => line.trim() !== '') ?? '';
  return first
    .replace(/(^|[\s"'`(\[])\/[^\s"'`)\],;:]*/g, '$1…')
    .replace(/\b(?:process|pid) \d+/gi, 'another process')
    .trim();
}
