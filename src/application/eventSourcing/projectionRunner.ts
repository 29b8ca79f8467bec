import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { EventWrites, ReadStore } from '../ports/readStore.js';
import type { Clock } from '../ports/clock.js';
import type { Projection, ReadView } from './projection.js';
import { SubscriptionLoop, type LoopLogger } from './subscriptionLoop.js';

export interface ProjectionStatus {
  name: string;
  position: number;
  rebuilding: boolean;
  lastError: string | null;
}

export interface ProjectionObserver {
  /** Milliseconds between an event being recorded and its projection being written. */
  applied(projection: string, lagMs: number): void;
}

/** Checkpoints are written at most this often; the position guard makes the replayed tail harmless. */
const CHECKPOINT_EVERY = 50;

interface Running {
  projection: Projection;
  loop: SubscriptionLoop;
  position: number;
  sinceCheckpoint: number;
  rebuilding: boolean;
}

/**
 * One checkpointed subscription per projection. `waitFor` gives read-your-writes: a command answers
 * with its event's position and the query waits (bounded) until every projection has passed it.
 */
export class ProjectionRunner {
  private readonly running = new Map<string, Running>();
  private waiters: Array<{ position: number; resolve: (caughtUp: boolean) => void }> = [];

  constructor(
    private readonly deps: { events: EventStore; reads: ReadStore; clock: Clock; log: LoopLogger; observer?: ProjectionObserver },
    private readonly projections: readonly Projection[],
  ) {
    const names = new Set<string>();
    for (const p of projections) {
      if (names.has(p.name)) throw new Error(`duplicate projection name ${p.name}`);
      names.add(p.name);
    }
  }

  async start(): Promise<void> {
    for (const projection of this.projections) await this.startOne(projection, false);
  }

  private async startOne(projection: Projection, rebuilding: boolean): Promise<void> {
    await this.deps.reads.ensureCollections(projection.collections);
    const from = (await this.deps.reads.getCheckpoint(projection.name)) ?? 0;
    const handles = new Set(projection.handles);
    const state: Running = {
      projection,
      position: from,
      sinceCheckpoint: 0,
      rebuilding,
      loop: new SubscriptionLoop(this.deps.events, `projection:${projection.name}`, this.deps.log, async (run) => {
        await this.applyRun(projection, run.filter((event) => handles.has(event.type)));
        state.position = run[run.length - 1].position;
        state.sinceCheckpoint += run.length;
        if (state.sinceCheckpoint >= CHECKPOINT_EVERY) await this.checkpoint(state);
        this.release();
      }),
    };
    this.running.set(projection.name, state);
    state.loop.start(from);
  }

  /**
   * The writes of a run of events go to the read store together. A projection that reads while
   * deciding must see the writes of the events before, so a read first writes what is pending.
   */
  private async applyRun(projection: Projection, run: RecordedEvent[]): Promise<void> {
    const { reads } = this.deps;
    let pending: EventWrites[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await reads.applyInOrder(batch);
    };
    const view: ReadView = {
      get: async (collection, id) => { await flush(); return reads.get(collection, id); },
      find: async (collection, filter, options) => { await flush(); return reads.find(collection, filter, options); },
      count: async (collection, filter) => { await flush(); return reads.count(collection, filter); },
    };
    for (const event of run) {
      const writes = await projection.apply(event, view);
      if (writes.length > 0) pending.push({ writes, position: event.position });
    }
    await flush();
    const now = this.deps.clock.now().getTime();
    for (const event of run) {
      this.deps.observer?.applied(projection.name, Math.max(0, now - Date.parse(event.metadata.recordedAt)));
    }
  }

  private async checkpoint(state: Running): Promise<void> {
    state.sinceCheckpoint = 0;
    await this.deps.reads.setCheckpoint(state.projection.name, state.position);
  }

  /** The lowest position every projection has reached. */
  position(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const r of this.running.values()) min = Math.min(min, r.position);
    return this.running.size === 0 ? 0 : min;
  }

  /** Resolves true once all projections passed `position`, or false after `timeoutMs`. */
  waitFor(position: number, timeoutMs = 2000): Promise<boolean> {
    if (this.position() >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const reached = this.position();
    this.waiters = this.waiters.filter((w) => {
      if (w.position > reached) return true;
      w.resolve(true);
      return false;
    });
  }

  status(): ProjectionStatus[] {
    return [...this.running.values()].map((r) => ({
      name: r.projection.name,
      position: r.position,
      rebuilding: r.rebuilding && r.position < this.lastKnownHead,
      lastError: r.loop.lastError,
    }));
  }

  private lastKnownHead = 0;

  /** Lag in events per projection, for metrics and readiness. */
  async lag(): Promise<Record<string, number>> {
    this.lastKnownHead = await this.deps.events.headPosition();
    return Object.fromEntries([...this.running.values()].map((r) => [r.projection.name, this.lastKnownHead - r.position]));
  }

  /** Drops a projection's documents and checkpoint and replays it from the first event. */
  async rebuild(name: string): Promise<void> {
    const current = this.running.get(name);
    if (!current) throw new Error(`unknown projection ${name}`);
    await current.loop.stop();
    this.lastKnownHead = await this.deps.events.headPosition();
    await this.deps.reads.drop(current.projection.collections.map((c) => c.name), name);
    await this.startOne(current.projection, true);
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map(async (r) => {
      await r.loop.stop();
      await this.checkpoint(r);
    }));
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }
}
