import { userInfo } from 'node:os';
import type { JobSpec } from './job-spec.js';

/** The account the app runs as: never root. */
export interface Account {
  uid: number;
  gid: number;
  user: string;
}

/**
 * The account job.json names, or else the caller's own; refuses root either way. A caller
 * running as root (the wrapper under a root service) must be given an unprivileged account:
 * the app never inherits root. The docker scheduler asks too, to refuse such a job at submit.
 */
export function accountFor(spec: Pick<JobSpec, 'runAs'>): Account {
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !spec.runAs) throw new Error('refusing to run an app as root: job.json names no unprivileged account (runAs)');
  if (spec.runAs?.uid === 0) throw new Error('refusing to run an app as root: runAs is uid 0');
  return spec.runAs ?? { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, user: userInfo().username };
}
