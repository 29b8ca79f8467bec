import { Conflict, NotFound } from '../../domain/shared/errors.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { EventWrites, ReadStore, Write } from '../ports/readStore.js';
import type { Clock } from '../ports/clock.js';
import type { Projection, ReadView } from './projection.js';
import { GenerationRouting, checkpointName, physicalName } from './generations.js';
import { LeasedWork, type Ownership } from './leasedWork.js';
import { SubscriptionLoop, type LoopLogger } from './subscriptionLoop.js';

export interface ProjectionStatus {
  name: string;
  position: number;
  /** The generation readers see (0 until the first rebuild). */
  generation: number;
  /** Whether this instance runs the projection (holds its lease); the others follow its checkpoint. */
  owned: boolean;
  rebuilding: boolean;
  lastError: string | null;
}

export type RebuildState = 'building' | 'swapped' | 'failed';

/** A rebuild's progress; kept in the read store, so every instance (and the CLI) sees it. */
export interface RebuildProgress {
  projection: string;
  /** The generation being built (or built, or abandoned). */
  generation: number;
  state: RebuildState;
  eventsDone: number;
  /** Events in the store when the rebuild began, estimated from how far through the log it is. */
  eventsTotal: number;
  /** Events per second since the start, null until measurable. */
  ratePerSecond: number | null;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  /** Why a failed rebuild failed. */
  error: string | null;
}

export interface ProjectionBacklog {
  /** Events recorded after the projection's position (at most LAG_COUNT_LIMIT are counted). */
  events: number;
  /** Age of the oldest of them, 0 when caught up. */
  seconds: number;
}

export interface ProjectionObserver {
  /** Milliseconds between an event being recorded and its projection being written. */
  applied(projection: string, lagMs: number): void;
}

export interface ProjectionRunnerDeps {
  events: EventStore;
  /**
   * The read store. Hand in the GenerationRouting that queries read through, so they follow rebuilds'
   * swaps; a plain store is wrapped in one of its own.
   */
  reads: ReadStore;
  clock: Clock;
  log: LoopLogger;
  observer?: ProjectionObserver;
  /** Several instances: each projection runs where its lease is held. Unset: all run here. */
  ownership?: Ownership;
}

/** Checkpoints are written at most every this many events; the position guard makes the replayed tail harmless. */
const CHECKPOINT_EVERY = 50;
/** ... or this long after a run that was not checkpointed, so other instances' read-your-writes can follow. */
const CHECKPOINT_DELAY_MS = 200;
/** How often another instance's checkpoints are read while a query waits, and generation pointers re-read. */
const FOLLOW_EVERY_MS = 25;
const POINTERS_EVERY_MS = 1_000;
/** Lag is counted in events up to this many; beyond, it reads as this many. */
export const LAG_COUNT_LIMIT = 5_000;
/** A rebuild that fails this many times in a row is abandoned (the live generation keeps serving). */
const REBUILD_ATTEMPTS = 3;
const REBUILDS = 'projection_rebuilds';
const PROGRESS_EVERY = 500;

interface Live {
  projection: Projection;
  work: LeasedWork;
  loop: SubscriptionLoop | null;
  generation: number;
  position: number;
  sinceCheckpoint: number;
  checkpointTimer: ReturnType<typeof setTimeout> | null;
}

interface Rebuilding {
  progress: RebuildProgress;
  done: Promise<RebuildProgress>;
  /** Ends the rebuild early (a shutdown); it then fails and discards what it built. */
  abort(): Promise<void>;
}

type RebuildDoc = RebuildProgress & { id: string; version: number; [field: string]: unknown };

/**
 * One checkpointed subscription per projection, run by the instance that holds its lease. `waitFor`
 * gives read-your-writes on every instance: the owner answers from memory, the others from the owner's
 * stored checkpoint. A rebuild replays into a new generation aside while the live one keeps serving,
 * then swaps the generation pointer (see GenerationRouting).
 */
export class ProjectionRunner {
  private readonly live = new Map<string, Live>();
  private readonly rebuilds = new Map<string, Rebuilding>();
  private waiters: Array<{ position: number; resolve: (caughtUp: boolean) => void }> = [];
  private follower: ReturnType<typeof setInterval> | null = null;
  private pointers: ReturnType<typeof setInterval> | null = null;
  private lastKnownHead = 0;

  private readonly routing: GenerationRouting;

  constructor(private readonly deps: ProjectionRunnerDeps, private readonly projections: readonly Projection[]) {
    this.routing = deps.reads instanceof GenerationRouting ? deps.reads : new GenerationRouting(deps.reads);
    const names = new Set<string>();
    for (const p of projections) {
      if (names.has(p.name)) throw new Error(`duplicate projection name ${p.name}`);
      names.add(p.name);
      this.routing.register(p.name, p.collections);
    }
  }

  private get store(): ReadStore {
    return this.routing.store;
  }

  private prepared: Promise<void> | null = null;

  /** Reads the generation pointers, once; needed before anything runs (a CLI rebuild does not start the loops). */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await this.routing.refresh();
      await this.store.ensureCollections([{ name: REBUILDS }]);
    })().catch((error: unknown) => {
      this.prepared = null;
      throw error;
    });
    return this.prepared;
  }

  async start(): Promise<void> {
    await this.prepare();
    for (const projection of this.projections) {
      const state: Live = {
        projection, loop: null, generation: 0, position: 0, sinceCheckpoint: 0, checkpointTimer: null,
        work: new LeasedWork(`projection:${projection.name}`, {
          start: () => this.startLive(state),
          stop: () => this.stopLive(state),
        }, this.deps),
      };
      this.live.set(projection.name, state);
      await this.follow(state);
      await state.work.begin();
    }
    this.pointers = setInterval(() => { void this.followPointers(); }, POINTERS_EVERY_MS);
    this.pointers.unref?.();
  }

  private async startLive(state: Live): Promise<void> {
    const { projection } = state;
    state.generation = this.routing.generationOf(projection.name);
    await this.store.ensureCollections(this.specsOf(projection, state.generation));
    const from = (await this.store.getCheckpoint(checkpointName(projection.name, state.generation))) ?? 0;
    state.position = from;
    state.sinceCheckpoint = 0;
    const handles = new Set(projection.handles);
    const generation = state.generation;
    state.loop = new SubscriptionLoop(this.deps.events, `projection:${projection.name}`, this.deps.log, async (run) => {
      await this.applyRun(projection, generation, run.filter((event) => handles.has(event.type)));
      state.position = run[run.length - 1].position;
      state.sinceCheckpoint += run.length;
      if (state.sinceCheckpoint >= CHECKPOINT_EVERY) await this.checkpoint(state);
      else state.checkpointTimer ??= setTimeout(() => { void this.checkpoint(state).catch(() => undefined); }, CHECKPOINT_DELAY_MS);
      this.release();
    });
    state.loop.start(from);
  }

  private async stopLive(state: Live): Promise<void> {
    await state.loop?.stop();
    state.loop = null;
    await this.checkpoint(state);
  }

  private async checkpoint(state: Live): Promise<void> {
    if (state.checkpointTimer) clearTimeout(state.checkpointTimer);
    state.checkpointTimer = null;
    state.sinceCheckpoint = 0;
    await this.store.setCheckpoint(checkpointName(state.projection.name, state.generation), state.position);
  }

  /** A projection another instance runs: its progress is the live generation's stored checkpoint. */
  private async follow(state: Live): Promise<void> {
    if (state.work.owned) return;
    state.generation = this.routing.generationOf(state.projection.name);
    state.position = (await this.store.getCheckpoint(checkpointName(state.projection.name, state.generation))) ?? 0;
  }

  /** Picks up generation swaps made elsewhere (another instance, the CLI): an owner moves its loop to the new one. */
  private async followPointers(): Promise<void> {
    try {
      for (const name of await this.routing.refresh()) {
        const state = this.live.get(name);
        if (state) await this.moveToLiveGeneration(state);
      }
    } catch (error) {
      this.deps.log.error({ err: error }, 'generation pointers could not be read; trying again');
    }
  }

  /** An owner's loop moves to the generation the pointer names; elsewhere there is no loop to move. */
  private moveToLiveGeneration(state: Live): Promise<void> {
    return state.work.whileOwned(async () => {
      if (state.generation === this.routing.generationOf(state.projection.name)) return;
      await this.stopLive(state);
      await this.startLive(state);
    });
  }

  private specsOf(projection: Projection, generation: number) {
    return projection.collections.map((c) => ({ ...c, name: physicalName(c.name, generation) }));
  }

  /**
   * The writes of a run of events go to the read store together, into `generation`. A projection that
   * reads while deciding must see the writes of the events before, so a read first writes what is
   * pending; it reads its own collections in the generation it writes, others' in their live one.
   */
  private async applyRun(projection: Projection, generation: number, run: RecordedEvent[]): Promise<void> {
    const { store } = this;
    const own = new Set(projection.collections.map((c) => c.name));
    const at = (collection: string) => (own.has(collection) ? physicalName(collection, generation) : this.routing.route(collection));
    let pending: EventWrites[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await store.applyInOrder(batch);
    };
    const view: ReadView = {
      get: async (collection, id) => { await flush(); return store.get(at(collection), id); },
      find: async (collection, filter, options) => { await flush(); return store.find(at(collection), filter, options); },
      count: async (collection, filter) => { await flush(); return store.count(at(collection), filter); },
    };
    for (const event of run) {
      const writes = await projection.apply(event, view);
      if (writes.length > 0) pending.push({ writes: writes.map((w): Write => ({ ...w, collection: at(w.collection) })), position: event.position });
    }
    await flush();
    const now = this.deps.clock.now().getTime();
    for (const event of run) {
      this.deps.observer?.applied(projection.name, Math.max(0, now - Date.parse(event.metadata.recordedAt)));
    }
  }

  /** The lowest position every projection has reached. */
  position(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const r of this.live.values()) min = Math.min(min, r.position);
    return this.live.size === 0 ? 0 : min;
  }

  /** Resolves true once all projections passed `position`, or false after `timeoutMs`. */
  waitFor(position: number, timeoutMs = 2000): Promise<boolean> {
    if (this.position() >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      this.waiters.push(waiter);
      this.followWhileWaiting();
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  /** While someone waits on a projection run elsewhere, its stored checkpoint is read every few milliseconds. */
  private followWhileWaiting(): void {
    if (this.follower || ![...this.live.values()].some((r) => !r.work.owned)) return;
    this.follower = setInterval(() => {
      if (this.waiters.length === 0) {
        if (this.follower) clearInterval(this.follower);
        this.follower = null;
        return;
      }
      void Promise.all([...this.live.values()].map((r) => this.follow(r))).then(() => this.release(), () => undefined);
    }, FOLLOW_EVERY_MS);
    this.follower.unref?.();
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
    return [...this.live.values()].map((r) => ({
      name: r.projection.name,
      position: r.position,
      generation: this.routing.generationOf(r.projection.name),
      owned: r.work.owned,
      rebuilding: this.rebuilds.get(r.projection.name)?.progress.state === 'building',
      lastError: r.loop?.lastError ?? null,
    }));
  }

  /**
   * How far behind each projection is, in events and seconds: one read of the log after the lowest
   * position, never a difference of positions (EventStoreDB's are byte offsets).
   */
  async backlog(): Promise<Record<string, ProjectionBacklog>> {
    await Promise.all([...this.live.values()].map((r) => this.follow(r)));
    const tail = await this.deps.events.readAll({ fromPosition: this.position(), maxCount: LAG_COUNT_LIMIT });
    this.lastKnownHead = tail[tail.length - 1]?.position ?? this.lastKnownHead;
    const now = this.deps.clock.now().getTime();
    return Object.fromEntries([...this.live.values()].map((r) => {
      const behind = tail.filter((e) => e.position > r.position);
      const seconds = behind.length === 0 ? 0 : Math.max(0, (now - Date.parse(behind[0].metadata.recordedAt)) / 1000);
      return [r.projection.name, { events: behind.length, seconds }];
    }));
  }

  /** Lag in events per projection, for metrics and readiness. */
  async lag(): Promise<Record<string, number>> {
    return Object.fromEntries(Object.entries(await this.backlog()).map(([name, b]) => [name, b.events]));
  }

  names(): string[] {
    return this.projections.map((p) => p.name);
  }

  /**
   * Starts rebuilding `name` aside; resolves with its first progress once it runs, and `finished(name)`
   * settles when it has swapped or failed. One rebuild per projection at a time across instances (its
   * own lease): another request meanwhile is a Conflict.
   */
  async rebuild(name: string): Promise<RebuildProgress> {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new NotFound('Projection', name);
    await this.prepare();
    await this.routing.refresh();
    if (this.rebuilds.get(name)?.progress.state === 'building') throw this.busy(name);
    const lease = `rebuild:${name}`;
    const { ownership } = this.deps;
    if (ownership && !await ownership.leases.acquire(lease, ownership.owner, ownership.ttlMs)) throw this.busy(name);
    const generation = this.routing.generationOf(name) + 1;
    const progress: RebuildProgress = {
      projection: name, generation, state: 'building', eventsDone: 0, eventsTotal: 0, ratePerSecond: null, etaSeconds: null,
      startedAt: this.deps.clock.now().toISOString(), finishedAt: null, error: null,
    };
    let stopLoop: () => Promise<void> = async () => undefined;
    const entry: Rebuilding = { progress, done: Promise.resolve(progress), abort: () => stopLoop() };
    this.rebuilds.set(name, entry);
    entry.done = this.runRebuild(projection, progress, (stop) => { stopLoop = stop; }).finally(() => ownership?.leases.release(lease, ownership.owner).catch(() => undefined));
    return { ...progress };
  }

  private busy(name: string): Conflict {
    return new Conflict('rebuild_in_progress', `Projection ${name} is being rebuilt already; its progress is at GET /api/admin/projections.`);
  }

  /** Settles with the outcome of the rebuild of `name` this instance runs (or ran last). */
  finished(name: string): Promise<RebuildProgress | null> {
    return this.rebuilds.get(name)?.done ?? Promise.resolve(null);
  }

  private async runRebuild(projection: Projection, progress: RebuildProgress, onLoop: (stop: () => Promise<void>) => void): Promise<RebuildProgress> {
    const { name } = projection;
    const { generation } = progress;
    const ownership = this.deps.ownership;
    const renew = ownership && setInterval(() => {
      void ownership.leases.acquire(`rebuild:${name}`, ownership.owner, ownership.ttlMs).then((held) => {
        if (!held) void loop?.stop();
      }, () => undefined);
    }, Math.max(1, Math.floor(ownership.ttlMs / 3)));
    renew?.unref?.();
    let loop: SubscriptionLoop | null = null;
    const discard = async () => {
      await this.store.drop(this.specsOf(projection, generation).map((c) => c.name), checkpointName(name, generation));
    };
    try {
      // Keep at most the live generation and the one before it (readers elsewhere may still be on it).
      if (generation >= 2) await this.store.drop(this.specsOf(projection, generation - 2).map((c) => c.name), checkpointName(name, generation - 2));
      await discard();
      await this.store.ensureCollections(this.specsOf(projection, generation));
      const head = await this.deps.events.headPosition();
      await this.saveProgress(progress);
      let position = 0;
      let caughtUp: () => void = () => undefined;
      const reached = new Promise<void>((resolve) => { caughtUp = resolve; });
      const isCaughtUp = async () => position >= head && position >= await this.livePosition(name);
      if (await isCaughtUp()) caughtUp();
      const handles = new Set(projection.handles);
      let sinceSaved = 0;
      loop = new SubscriptionLoop(this.deps.events, `rebuild:${name}`, this.deps.log, async (run) => {
        await this.applyRun(projection, generation, run.filter((event) => handles.has(event.type)));
        position = run[run.length - 1].position;
        progress.eventsDone += run.length;
        this.measure(progress, position, head);
        sinceSaved += run.length;
        if (sinceSaved >= PROGRESS_EVERY) {
          sinceSaved = 0;
          await this.store.setCheckpoint(checkpointName(name, generation), position);
          await this.saveProgress(progress);
        }
        if (await isCaughtUp()) caughtUp();
      }, { giveUpAfter: REBUILD_ATTEMPTS });
      const running = loop;
      onLoop(() => running.stop());
      loop.start(0);
      const ended = loop.finished();
      await Promise.race([reached, ended]);
      await loop.stop();
      if (!(await isCaughtUp())) throw new Error(loop.lastError ?? 'the rebuild was stopped before it caught up');
      await this.store.setCheckpoint(checkpointName(name, generation), position);
      await this.routing.swap(name, generation);
      const state = this.live.get(name);
      if (state?.work.owned) await this.moveToLiveGeneration(state);
      Object.assign(progress, { state: 'swapped', etaSeconds: 0, eventsTotal: progress.eventsDone, finishedAt: this.deps.clock.now().toISOString() });
    } catch (error) {
      await loop?.stop();
      Object.assign(progress, { state: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: this.deps.clock.now().toISOString() });
      this.deps.log.error({ err: error, projection: name, generation }, 'rebuild failed; the live generation keeps serving');
      await discard().catch(() => undefined);
    } finally {
      if (renew) clearInterval(renew);
    }
    await this.saveProgress(progress).catch((error: unknown) => this.deps.log.error({ err: error, projection: name }, 'rebuild progress could not be saved'));
    return { ...progress };
  }

  /** Where readers of `name` are: the owner's position here, otherwise the live generation's stored checkpoint. */
  private async livePosition(name: string): Promise<number> {
    const state = this.live.get(name);
    if (state) await this.follow(state);
    return state?.position ?? 0;
  }

  private measure(progress: RebuildProgress, position: number, head: number): void {
    const share = head > 0 ? Math.min(1, position / head) : 1;
    progress.eventsTotal = Math.max(progress.eventsDone, share > 0 ? Math.round(progress.eventsDone / share) : 0);
    const seconds = (this.deps.clock.now().getTime() - Date.parse(progress.startedAt)) / 1000;
    progress.ratePerSecond = seconds > 0 ? Math.round(progress.eventsDone / seconds) : null;
    progress.etaSeconds = progress.ratePerSecond ? Math.round((progress.eventsTotal - progress.eventsDone) / progress.ratePerSecond) : null;
  }

  private async saveProgress(progress: RebuildProgress): Promise<void> {
    const id = progress.projection;
    const earlier = await this.store.get<RebuildDoc>(REBUILDS, id);
    const version = (earlier?.version ?? 0) + 1;
    await this.store.apply([{ collection: REBUILDS, id, set: { ...progress, version } }], version);
  }

  /** Every projection's latest rebuild, wherever it ran (this instance, another one, the CLI). */
  async rebuildProgress(): Promise<RebuildProgress[]> {
    const docs = await this.store.find<RebuildDoc>(REBUILDS, {}, { sort: { id: 1 } });
    return docs.map(({ id: _id, version: _version, ...progress }) => progress as RebuildProgress);
  }

  async stop(): Promise<void> {
    if (this.pointers) clearInterval(this.pointers);
    if (this.follower) clearInterval(this.follower);
    this.pointers = null;
    this.follower = null;
    await Promise.all([...this.rebuilds.values()].map(async (r) => { await r.abort(); await r.done; }));
    await Promise.all([...this.live.values()].map((r) => r.work.end()));
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }
}
