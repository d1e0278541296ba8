import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { Context } from '../domain/context.js';
import { JobHub, type JobSource } from './job-hub.js';
import { JobSubscriber, type SubscriberSpec } from './job-subscriber.js';

export { STREAM_TIMING } from './job-hub.js';

/** What one stream connection follows, from which positions. */
export interface FollowSpec extends SubscriberSpec {
  jobId: number;
  /** The job's directory, whose log and result are followed; null where this server runs no apps. */
  jobDir: string | null;
}

/**
 * The job streams of this server, one hub per job followed: a thousand
 * browsers on one job cost one reader of its log and one of its state, not a
 * thousand. A hub lives while it has subscribers.
 */
export class JobFollowers {
  private readonly hubs = new Map<number, JobHub>();

  constructor(private readonly ctx: Context, private readonly logger: Logger) {}

  follow(socket: WebSocket, spec: FollowSpec): void {
    const hub = this.hubOf(spec);
    const subscriber = new JobSubscriber(socket, spec);
    socket.once('close', () => {
      subscriber.done = true;
      hub.remove(subscriber);
      if (hub.subscribers.size > 0) return;
      if (this.hubs.get(spec.jobId) === hub) this.hubs.delete(spec.jobId);
      void hub.stop();
    });
    hub.add(subscriber);
  }

  /** Stops every hub; resolves once the passes under way have finished. */
  async stop(): Promise<void> {
    const hubs = [...this.hubs.values()];
    this.hubs.clear();
    await Promise.all(hubs.map((hub) => hub.stop()));
  }

  private hubOf(spec: FollowSpec): JobHub {
    const existing = this.hubs.get(spec.jobId);
    if (existing && !existing.stopped) return existing;
    const source: JobSource = {
      jobId: spec.jobId,
      jobDir: spec.jobDir,
      job: () => this.ctx.store.getJob(spec.jobId),
      events: (afterSeq) => this.ctx.store.jobEvents(spec.jobId, afterSeq),
      onChange: (listener) => this.ctx.coordination.onJobChange((jobId) => {
        if (jobId === spec.jobId) listener();
      }),
    };
    const hub = new JobHub(source, spec.afterLine, (error) => {
      this.logger.error({ err: error, jobId: spec.jobId }, 'job stream failed');
      if (this.hubs.get(spec.jobId) === hub) this.hubs.delete(spec.jobId);
      void hub.stop();
    });
    this.hubs.set(spec.jobId, hub);
    return hub;
  }
}
