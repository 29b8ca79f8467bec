import { systemActor } from '../../domain/shared/event.js';
import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import { completeReschedule, type Rescheduled } from './completeReschedule.js';

/**
 * The reschedule command books the new slot and frees the old one right after moving the appointment;
 * this reactor repeats that from the recorded move (a no-op when already done), so a crash between
 * the appends can neither strand the old slot nor leave the new one merely held.
 */
export function rescheduleCompletionReactor(handler: HandlerDeps): Reactor {
  return {
    name: 'reschedule-completion',
    handles: ['AppointmentRescheduled'],
    async react(event) {
      await completeReschedule(handler, event.data as Rescheduled,
        { actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId });
    },
  };
}
