import { DomainError } from '../../domain/shared/errors.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { PaymentsLog } from './paymentsDeps.js';

/**
 * Reactors are retried until they succeed, and one stuck event would hold back every event after it.
 * So only what may pass with time (a dependency down, a write race) is retried; a refusal that will
 * never change is logged for a person and the reactor moves on.
 */
export function isTransient(error: unknown): boolean {
  return !(error instanceof DomainError) || error.kind === 'unavailable' || error.code === 'concurrent_modification';
}

export async function retryingOnlyTransient(log: PaymentsLog, reactor: string, event: RecordedEvent, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isTransient(error)) throw error;
    log.error({ reactor, eventId: event.metadata.eventId, type: event.type, reason: (error as Error).message }, 'payments reactor gave up on an event; needs attention');
  }
}
