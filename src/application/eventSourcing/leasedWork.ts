import type { Clock } from '../ports/clock.js';
import type { Leases } from '../ports/leases.js';
import type { LoopLogger } from './subscriptionLoop.js';

/** How instances share subscribers: the store's leases, this instance's owner id, and the lease's lifetime. */
export interface Ownership {
  leases: Leases;
  owner: string;
  ttlMs: number;
}

/** What runs only while the lease is held. `start` failing gives the lease back, to be tried again. */
export interface Work {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs a piece of work on one instance at a time: the holder of the lease `name` runs it and renews the
 * lease every third of its lifetime; the others ask as often and take over once it has expired (the
 * owner died) or was released (the owner stopped). When the store cannot be asked, the owner keeps
 * working until its lease would have run out and then stops, so no two instances believe they own it
 * for longer than a renewal interval. Without `Ownership` (a single instance) the work simply runs.
 */
export class LeasedWork {
  private held = false;
  /** Until when (by `clock`) the last successful renewal holds. */
  private validUntil = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private turn: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    readonly name: string,
    private readonly work: Work,
    private readonly deps: { ownership?: Ownership; clock: Clock; log: LoopLogger },
  ) {}

  /** Whether this instance runs the work now. */
  get owned(): boolean {
    return this.held;
  }

  /** Decides once (so a lone instance runs its work before this resolves), then keeps deciding on a timer. */
  async begin(): Promise<void> {
    this.ended = false;
    await this.decide();
    const { ownership } = this.deps;
    if (!ownership) return;
    this.timer = setInterval(() => { void this.decide(); }, Math.max(1, Math.floor(ownership.ttlMs / 3)));
    this.timer.unref?.();
  }

  /** One decision: take or renew the lease, and start or stop the work to match. */
  decide(): Promise<void> {
    this.turn = this.turn.then(async () => {
      if (this.ended) return;
      const holds = await this.holds();
      if (holds && !this.held) await this.takeUp();
      else if (!holds && this.held) {
        this.held = false;
        await this.stopWork();
      }
    });
    return this.turn;
  }

  private async holds(): Promise<boolean> {
    const { ownership, clock } = this.deps;
    if (!ownership) return true;
    const now = clock.now().getTime();
    try {
      const holds = await ownership.leases.acquire(this.name, ownership.owner, ownership.ttlMs);
      if (holds) this.validUntil = now + ownership.ttlMs;
      return holds;
    } catch (error) {
      this.deps.log.error({ err: error, lease: this.name }, 'lease could not be renewed');
      return this.held && now < this.validUntil;
    }
  }

  private async takeUp(): Promise<void> {
    try {
      await this.work.start();
      this.held = true;
    } catch (error) {
      this.deps.log.error({ err: error, lease: this.name }, 'work could not start; giving the lease back');
      await this.giveBack();
    }
  }

  private async stopWork(): Promise<void> {
    try {
      await this.work.stop();
    } catch (error) {
      this.deps.log.error({ err: error, lease: this.name }, 'work did not stop cleanly');
    }
  }

  private async giveBack(): Promise<void> {
    const { ownership } = this.deps;
    await ownership?.leases.release(this.name, ownership.owner).catch((error: unknown) => {
      this.deps.log.error({ err: error, lease: this.name }, 'lease could not be released; it expires on its own');
    });
  }

  /** Runs `task` between decisions, only while the work runs here (so it never races a start or a stop). */
  whileOwned(task: () => Promise<void>): Promise<void> {
    const done = this.turn.then(async () => { if (this.held) await task(); });
    this.turn = done.catch(() => undefined);
    return done;
  }

  /** Stops the work if it runs here and releases the lease, so another instance takes over at once. */
  async end(): Promise<void> {
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.turn;
    if (!this.held) return;
    this.held = false;
    await this.stopWork();
    await this.giveBack();
  }
}
