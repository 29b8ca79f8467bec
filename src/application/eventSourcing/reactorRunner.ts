import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { ReadStore } from '../ports/readStore.js';
import type { Reactor } from './reactor.js';
import { SubscriptionLoop, type LoopLogger } from './subscriptionLoop.js';

const RECEIPTS = 'reactor_receipts';
const CHECKPOINT_EVERY = 50;

/**
 * Delivers events to reactors at least once, in order. A receipt per (reactor, event id) is written
 * after the effect, so a redelivery after a restart skips what already took effect.
 */
export class ReactorRunner {
  private readonly loops: Array<{ loop: SubscriptionLoop; checkpointName: string; position: () => number }> = [];

  constructor(
    private readonly deps: { events: EventStore; reads: ReadStore; log: LoopLogger },
    private readonly reactors: readonly Reactor[],
  ) {}

  async start(): Promise<void> {
    await this.deps.reads.ensureCollections([{ name: RECEIPTS }]);
    for (const reactor of this.reactors) {
      const checkpointName = `reactor:${reactor.name}`;
      const from = (await this.deps.reads.getCheckpoint(checkpointName)) ?? 0;
      const handles = new Set(reactor.handles);
      let unsaved = 0;
      let position = from;
      const loop = new SubscriptionLoop(this.deps.events, checkpointName, this.deps.log, async (run) => {
        const relevant = run.filter((event) => handles.has(event.type));
        if (reactor.idempotent && reactor.reactAll) {
          if (relevant.length > 0) await reactor.reactAll(relevant);
        } else {
          for (const event of relevant) await this.deliver(reactor, event);
        }
        position = run[run.length - 1].position;
        // Receipts already make redelivery harmless, so the checkpoint only bounds how much is re-read.
        unsaved += run.length;
        if (unsaved >= CHECKPOINT_EVERY) {
          unsaved = 0;
          await this.deps.reads.setCheckpoint(checkpointName, position);
        }
      });
      this.loops.push({ loop, checkpointName, position: () => position });
      loop.start(from);
    }
  }

  private async deliver(reactor: Reactor, event: RecordedEvent): Promise<void> {
    if (reactor.idempotent) return reactor.react(event);
    const receipt = `${reactor.name}:${event.metadata.eventId}`;
    if (await this.deps.reads.get(RECEIPTS, receipt)) return;
    await reactor.react(event);
    await this.deps.reads.apply([{ collection: RECEIPTS, id: receipt, set: { at: event.position } }], event.position);
  }

  errors(): string[] {
    return this.loops.map((l) => l.loop.lastError).filter((e): e is string => e !== null);
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map(async (l) => {
      await l.loop.stop();
      await this.deps.reads.setCheckpoint(l.checkpointName, l.position());
    }));
  }
}
