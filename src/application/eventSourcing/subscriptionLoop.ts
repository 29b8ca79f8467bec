import type { EventStore, RecordedEvent, Subscription } from '../ports/eventStore.js';

export interface LoopLogger {
  error(obj: object, msg: string): void;
}

/** The most events handed to a subscriber at once; bounds a projection's transaction while catching up. */
const MAX_RUN = 100;

/**
 * Runs `onRun` for every run of events after `from` (what has arrived, in order), resuming with the
 * run that failed: a handler error is retried with capped backoff rather than skipped, because
 * skipping would silently corrupt a read model or lose a side effect. The retry repeats the events of
 * that run handled before the error, which position guards and receipts make harmless. Shared by
 * projections and reactors.
 */
export class SubscriptionLoop {
  private subscription: Subscription | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  lastError: string | null = null;

  /**
   * `giveUpAfter` consecutive failures end the loop (a rebuild that should fail and say why) instead of
   * retrying for ever (a live subscriber, which must not skip).
   */
  constructor(
    private readonly events: EventStore,
    private readonly name: string,
    private readonly log: LoopLogger,
    private readonly onRun: (run: RecordedEvent[]) => Promise<void>,
    private readonly options: { giveUpAfter?: number } = {},
  ) {}

  start(from: number): void {
    this.stopped = false;
    this.running = this.run(from);
  }

  /** Settles when the loop ends: stopped, or given up (then `lastError` says why). */
  finished(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async run(from: number): Promise<void> {
    let position = from;
    let failures = 0;
    while (!this.stopped) {
      this.subscription = this.events.subscribeToAll({ fromPosition: position });
      try {
        for await (const run of this.subscription.runs(MAX_RUN)) {
          await this.onRun(run);
          position = run[run.length - 1].position;
          failures = 0;
          this.lastError = null;
        }
      } catch (error) {
        failures += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.log.error({ err: error, subscriber: this.name, position }, 'subscriber failed; retrying');
        await this.subscription.close();
        if (this.options.giveUpAfter !== undefined && failures >= this.options.giveUpAfter) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 100 * 2 ** failures)).unref?.());
        continue;
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.running;
  }
}
