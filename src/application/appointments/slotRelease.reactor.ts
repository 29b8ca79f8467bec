import type { AppointmentEvent } from '../../domain/appointments/appointment.js';
import { releaseSlot, slotDecider, slotStream } from '../../domain/scheduling/slot.js';
import { systemActor } from '../../domain/shared/event.js';
import { handle, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import { loadAppointment } from './appointmentStreams.js';

/**
 * A cancelled appointment's slot is freed by the cancel command itself; this reactor repeats that
 * (a no-op when already done), so a crash between the two appends cannot leave the slot booked forever.
 */
export function slotReleaseReactor(handler: HandlerDeps): Reactor {
  return {
    name: 'slot-release-on-cancel',
    handles: ['AppointmentCancelled'],
    async react(event) {
      const { appointmentId } = (event.data as Extract<AppointmentEvent, { type: 'AppointmentCancelled' }>['data']);
      const appointment = await loadAppointment(handler.events, appointmentId);
      if (appointment.status === 'none') return;
      await handle(handler, slotStream(appointment.slotId), slotDecider,
        (slot) => releaseSlot(slot, { appointmentId, reason: 'cancelled' }),
        { actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId });
    },
  };
}
