import { appointmentDecider, appointmentStream, expireAppointment } from '../../domain/appointments/appointment.js';
import { bookSlot as bookHeldSlot, releaseSlot, slotDecider, slotStream } from '../../domain/scheduling/slot.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment } from './appointmentStreams.js';

export const RELEASE_SLOT_HOLD_JOB = 'release-slot-hold';

/**
 * Saga step 4, run by the hold's timer: if the appointment still holds the slot unpaid, the slot is
 * released (`payment_timeout`) and the appointment expires. Anything else is a no-op, so running it
 * twice or after payment is harmless. A reschedule interrupted after moving the appointment is
 * finished instead (its new slot is booked), so no confirmed appointment loses its slot.
 */
export function releaseSlotHold(deps: AppointmentsDeps) {
  return async (cmd: { appointmentId: string; slotId: string }, ctx: CommandContext): Promise<{ released: boolean }> => {
    const appointment = await loadAppointment(deps.handler.events, cmd.appointmentId);
    const slotStreamId = slotStream(cmd.slotId);
    if (appointment.status === 'confirmed' && appointment.slotId === cmd.slotId) {
      await handle(deps.handler, slotStreamId, slotDecider,
        (slot) => (slot.status === 'held' && slot.appointmentId === cmd.appointmentId ? bookHeldSlot(slot, cmd) : []), ctx);
      return { released: false };
    }
    const released = await handle(deps.handler, slotStreamId, slotDecider,
      (slot) => releaseSlot(slot, { appointmentId: cmd.appointmentId, reason: 'payment_timeout' }), ctx);
    const slot = released.state;
    const stillOurs = (slot.status === 'held' || slot.status === 'booked') && slot.appointmentId === cmd.appointmentId;
    if (appointment.status === 'pending_payment' && appointment.slotId === cmd.slotId && !stillOurs) {
      await handle(deps.handler, appointmentStream(cmd.appointmentId), appointmentDecider,
        (a) => expireAppointment(a, { appointmentId: cmd.appointmentId }), { ...ctx, causationId: released.lastEventId ?? ctx.causationId });
    }
    return { released: released.appended.length > 0 };
  };
}
