import type { RecordedEvent } from '../ports/eventStore.js';
import { isTransient } from '../eventSourcing/transientFailure.js';
import type { PaymentsLog } from './paymentsDeps.js';

/**
 * For steps whose refusal is an expected end rather than a fault (a cancellation's refund when a late
 * capture already gave everything back): the refusal is logged and the event counts as handled instead
 * of being parked for an operator. What may pass with time goes on to the runner's retries.
 */
export async function retryingOnlyTransient(log: PaymentsLog, reactor: string, event: RecordedEvent, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isTransient(error)) throw error;
    log.error({ reactor, eventId: event.metadata.eventId, type: event.type, reason: (error as Error).message }, 'payments reactor gave up on an event; needs attention');
  }
}
