import type { RecordedEvent } from '../ports/eventStore.js';

/**
 * A reactor turns events into side effects (schedule a job, send an e-mail, issue a follow-up command).
 * Delivery is at-least-once: the runner skips events it has a receipt for, but a crash between the
 * effect and the receipt repeats the effect, so effects carry the event id as their idempotency key.
 * An effect that throws is retried or parked by the runner according to `isTransient`: a refusal that
 * will not change by itself parks the event at once, for an operator.
 */
export interface Reactor {
  name: string;
  handles: readonly string[];
  /**
   * True when the effect is idempotent by construction (a job scheduled under a unique key): the
   * runner then keeps no receipt for it, saving a read and a write per event.
   */
  idempotent?: boolean;
  react(event: RecordedEvent): Promise<void>;
  /**
   * The effects of several events at once, for an `idempotent` reactor that can do them together
   * more cheaply (timers of a run of holds saved in one commit); used instead of `react` when set.
   * Ignored for other reactors, whose receipts are kept per event.
   */
  reactAll?(events: RecordedEvent[]): Promise<void>;
}
