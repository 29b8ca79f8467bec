import { NotFound } from '../../domain/shared/errors.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { Filter, ReadStore } from '../ports/readStore.js';
import type { Reactor } from './reactor.js';
import { LeasedWork, type Ownership } from './leasedWork.js';
import { SubscriptionLoop, type LoopLogger } from './subscriptionLoop.js';
import { isTransient } from './transientFailure.js';

const RECEIPTS = 'reactor_receipts';
/** Dead letters: events a reactor could not handle, kept with the reason for a re-drive or an operator. */
const PARKED = 'reactor_parked';
const CHECKPOINT_EVERY = 50;

export interface ReactorRetryPolicy {
  /** Attempts at an event that keeps failing transiently before it is parked, the first one included. */
  attempts: number;
  /** The wait before the second attempt; it doubles with each further one, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How often parked transient failures are tried again, so an outage that ends heals without a person. */
  redriveEveryMs: number;
}

export const DEFAULT_REACTOR_RETRY: ReactorRetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000, redriveEveryMs: 60_000 };

/** `transient` parked events are re-driven on a timer; `permanent` ones wait for an operator's retry. */
export type ParkedKind = 'permanent' | 'transient';

export interface ParkedEvent {
  /** `{reactor}:{eventId}`, as the event's receipt. */
  id: string;
  reactor: string;
  eventId: string;
  streamId: string;
  revision: number;
  position: number;
  type: string;
  kind: ParkedKind;
  reason: string;
  /** Deliveries tried so far: retries in place, re-drives and operators' retries. */
  attempts: number;
  parkedAt: string;
  lastAttemptAt: string;
}

interface ParkedDoc extends ParkedEvent {
  /** Parking documents change without a new event, so each change carries the next version as its write position. */
  version: number;
  [field: string]: unknown;
}

export type RetryOutcome = { outcome: 'delivered' } | { outcome: 'parked'; parked: ParkedEvent };

export interface ReactorRunnerDeps {
  events: EventStore;
  reads: ReadStore;
  /** Stamps parked events. */
  clock: Clock;
  log: LoopLogger;
  retry?: ReactorRetryPolicy;
  /** Waits between attempts at a failing event. */
  sleep?: (ms: number) => Promise<void>;
  /** Several instances: each reactor runs where its lease is held, so each effect happens on one. Unset: all run here. */
  ownership?: Ownership;
}

interface ReactorLoop {
  reactor: Reactor;
  checkpointName: string;
  work: LeasedWork;
  loop: SubscriptionLoop | null;
  position: number;
}

const parkedId = (reactor: Reactor, event: RecordedEvent): string => `${reactor.name}:${event.metadata.eventId}`;
const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Delivers events to reactors at least once, in order. A receipt per (reactor, event id) is written
 * after the effect, so a redelivery after a restart skips what already took effect.
 *
 * One event never holds back the others: a permanent refusal parks it at once, a transient failure is
 * retried in place with capped backoff and parked when it persists; the reactor then goes on with the
 * next event. Parked transient failures are re-driven on a timer, permanent ones by an operator
 * (`retryParked`). Only when the parking itself cannot be written does the whole run wait and retry,
 * as before, so nothing is lost.
 */
export class ReactorRunner {
  private readonly loops: ReactorLoop[] = [];
  private readonly policy: ReactorRetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly byName: Map<string, Reactor>;
  /** Parked here, so a loop re-reading one (after a restart) leaves it to the re-drive or an operator. */
  private readonly parkedIds = new Set<string>();
  /** Per reactor, the tail of its work: its deliveries, re-drives and retries never overlap. */
  private readonly turns = new Map<string, Promise<unknown>>();
  private redriveTimer: ReturnType<typeof setInterval> | null = null;
  private redriving: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: ReactorRunnerDeps,
    private readonly reactors: readonly Reactor[],
  ) {
    this.policy = deps.retry ?? DEFAULT_REACTOR_RETRY;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => { setTimeout(resolve, ms).unref?.(); }));
    this.byName = new Map(reactors.map((r) => [r.name, r]));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.deps.reads.ensureCollections([{ name: RECEIPTS }, { name: PARKED, indexes: [{ fields: ['reactor'] }, { fields: ['kind'] }] }]);
    for (const reactor of this.reactors) {
      const checkpointName = `reactor:${reactor.name}`;
      const state: ReactorLoop = {
        reactor, checkpointName, loop: null, position: 0,
        work: new LeasedWork(checkpointName, { start: () => this.startLoop(state), stop: () => this.stopLoop(state) }, this.deps),
      };
      this.loops.push(state);
      await state.work.begin();
    }
    this.redriveTimer = setInterval(() => {
      this.redriving ??= this.redriveTransient().finally(() => { this.redriving = null; });
    }, this.policy.redriveEveryMs);
    this.redriveTimer.unref?.();
  }

  /** This instance took the reactor's lease: it goes on from the stored checkpoint, knowing what was parked meanwhile. */
  private async startLoop(state: ReactorLoop): Promise<void> {
    const { reactor, checkpointName } = state;
    for (const doc of await this.deps.reads.find<ParkedDoc>(PARKED, { reactor: reactor.name })) this.parkedIds.add(doc.id);
    const from = (await this.deps.reads.getCheckpoint(checkpointName)) ?? 0;
    state.position = from;
    const handles = new Set(reactor.handles);
    let unsaved = 0;
    state.loop = new SubscriptionLoop(this.deps.events, checkpointName, this.deps.log, async (run) => {
      const relevant = run.filter((event) => handles.has(event.type));
      await this.inTurn(reactor, async () => {
        if (reactor.idempotent && reactor.reactAll) {
          await this.deliverTogether(reactor, reactor.reactAll.bind(reactor), relevant);
        } else {
          for (const event of relevant) await this.deliver(reactor, event);
        }
      });
      state.position = run[run.length - 1].position;
      // Receipts already make redelivery harmless, so the checkpoint only bounds how much is re-read.
      unsaved += run.length;
      if (unsaved >= CHECKPOINT_EVERY) {
        unsaved = 0;
        await this.deps.reads.setCheckpoint(checkpointName, state.position);
      }
    });
    state.loop.start(from);
  }

  private async stopLoop(state: ReactorLoop): Promise<void> {
    await state.loop?.stop();
    state.loop = null;
    await this.deps.reads.setCheckpoint(state.checkpointName, state.position);
  }

  private async deliver(reactor: Reactor, event: RecordedEvent): Promise<void> {
    const id = parkedId(reactor, event);
    if (this.parkedIds.has(id)) return;
    if (!reactor.idempotent && await this.deps.reads.get(RECEIPTS, id)) return;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.takeEffect(reactor, event, id);
        return;
      } catch (error) {
        if (!isTransient(error) || attempt >= this.policy.attempts || this.stopped) {
          await this.park(reactor, event, error, attempt);
          return;
        }
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  /**
   * An idempotent reactor's run in one call. A transient failure is retried in place and then left to
   * the loop's whole-run backoff: a dependency the whole run shares is down, and parking every event of
   * the run would only hand the same work to the re-drive. A permanent one means some event of the run
   * is poison, so the run is delivered event by event and only that one is parked.
   */
  private async deliverTogether(reactor: Reactor, reactAll: (events: RecordedEvent[]) => Promise<void>, run: RecordedEvent[]): Promise<void> {
    const live = run.filter((event) => !this.parkedIds.has(parkedId(reactor, event)));
    if (live.length === 0) return;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await reactAll(live);
        return;
      } catch (error) {
        if (!isTransient(error)) break;
        if (attempt >= this.policy.attempts || this.stopped) throw error;
        await this.sleep(this.backoff(attempt));
      }
    }
    for (const event of live) await this.deliver(reactor, event);
  }

  private async takeEffect(reactor: Reactor, event: RecordedEvent, id: string): Promise<void> {
    await reactor.react(event);
    if (!reactor.idempotent) await this.deps.reads.apply([{ collection: RECEIPTS, id, set: { at: event.position } }], event.position);
  }

  private backoff(attempt: number): number {
    return Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
  }

  /** Records the event as parked; throws when the read store cannot take it, which makes the loop retry the run. */
  private async park(reactor: Reactor, event: RecordedEvent, error: unknown, attempts: number): Promise<ParkedEvent> {
    const id = parkedId(reactor, event);
    const earlier = await this.deps.reads.get<ParkedDoc>(PARKED, id);
    const now = this.deps.clock.now().toISOString();
    const parked: ParkedEvent = {
      id, reactor: reactor.name, eventId: event.metadata.eventId, streamId: event.streamId, revision: event.revision,
      position: event.position, type: event.type, kind: isTransient(error) ? 'transient' : 'permanent', reason: reasonOf(error),
      attempts: (earlier?.attempts ?? 0) + attempts, parkedAt: earlier?.parkedAt ?? now, lastAttemptAt: now,
    };
    const version = (earlier?.version ?? 0) + 1;
    await this.deps.reads.apply([{ collection: PARKED, id, set: { ...parked, version } }], version);
    this.parkedIds.add(id);
    this.deps.log.error({ err: error, reactor: reactor.name, eventId: parked.eventId, type: parked.type, kind: parked.kind }, 'reactor parked an event');
    return parked;
  }

  /** One more attempt at a parked event; delivered, it leaves the parked list (its receipt written as usual). */
  private redeliver(reactor: Reactor, id: string): Promise<RetryOutcome> {
    return this.inTurn(reactor, async (): Promise<RetryOutcome> => {
      const doc = await this.deps.reads.get<ParkedDoc>(PARKED, id);
      // Delivered in the meantime (a re-drive, another operator).
      if (!doc) return { outcome: 'delivered' };
      const [event] = await this.deps.events.readStream(doc.streamId, { from: doc.revision, maxCount: 1 });
      if (!event || event.metadata.eventId !== doc.eventId) throw new NotFound('Parked event', doc.eventId);
      // Another instance may have delivered it before it was parked here.
      const done = !reactor.idempotent && await this.deps.reads.get(RECEIPTS, id);
      if (!done) {
        try {
          await this.takeEffect(reactor, event, id);
        } catch (error) {
          return { outcome: 'parked', parked: await this.park(reactor, event, error, 1) };
        }
      }
      await this.deps.reads.apply([{ collection: PARKED, id, delete: true }], doc.version + 1);
      this.parkedIds.delete(id);
      return { outcome: 'delivered' };
    });
  }

  private async redriveTransient(): Promise<void> {
    try {
      // Each reactor's parked events are re-driven by the instance that runs it, in its turn there.
      const owned = new Set(this.loops.filter((l) => l.work.owned).map((l) => l.reactor.name));
      for (const doc of await this.deps.reads.find<ParkedDoc>(PARKED, { kind: 'transient' }, { sort: { position: 1 } })) {
        const reactor = this.byName.get(doc.reactor);
        if (this.stopped) return;
        if (reactor && owned.has(reactor.name)) await this.redeliver(reactor, doc.id);
      }
    } catch (error) {
      this.deps.log.error({ err: error }, 'reactor re-drive failed; the next one tries again');
    }
  }

  private inTurn<T>(reactor: Reactor, work: () => Promise<T>): Promise<T> {
    const result = (this.turns.get(reactor.name) ?? Promise.resolve()).then(work);
    this.turns.set(reactor.name, result.catch(() => undefined));
    return result;
  }

  /** Parked events, oldest first; optionally one reactor's or one kind's. */
  async parked(filter: { reactor?: string; kind?: ParkedKind } = {}): Promise<ParkedEvent[]> {
    const where: Filter = {};
    if (filter.reactor) where.reactor = filter.reactor;
    if (filter.kind) where.kind = filter.kind;
    const docs = await this.deps.reads.find<ParkedDoc>(PARKED, where, { sort: { position: 1 } });
    return docs.map(({ version: _version, ...parked }) => parked as ParkedEvent);
  }

  /** How many events each reactor has parked (zero included, so a gauge falls back when they are cleared). */
  async parkedCounts(): Promise<Record<string, number>> {
    return Object.fromEntries(await Promise.all(this.reactors.map(async (r) => [r.name, await this.deps.reads.count(PARKED, { reactor: r.name })])));
  }

  /** An operator's retry of one parked event, whatever its kind. */
  async retryParked(id: string): Promise<RetryOutcome> {
    const doc = await this.deps.reads.get<ParkedDoc>(PARKED, id);
    const reactor = doc && this.byName.get(doc.reactor);
    if (!reactor) throw new NotFound('Parked event', id);
    return this.redeliver(reactor, id);
  }

  /** Subscription loops that keep failing (a store down); a parked event is not one. */
  errors(): string[] {
    return this.loops.map((l) => l.loop?.lastError ?? null).filter((e): e is string => e !== null);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.redriveTimer) clearInterval(this.redriveTimer);
    await this.redriving;
    await Promise.all(this.loops.map((l) => l.work.end()));
    this.loops.length = 0;
  }
}
