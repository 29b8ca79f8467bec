import type { AppointmentEvent } from '../../domain/appointments/appointment.js';
import { bookSlot as bookHeldSlot, releaseSlot, slotDecider, slotStream } from '../../domain/scheduling/slot.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import { loadAppointment } from './appointmentStreams.js';

export type Rescheduled = Extract<AppointmentEvent, { type: 'AppointmentRescheduled' }>['data'];

/**
 * The slot half of a reschedule, once the appointment has moved: its new slot is booked and its old
 * one freed. Judged against the appointment as it is now (not as it was when it moved), so running
 * this late, twice, or after the appointment moved again or was cancelled changes nothing wrongly.
 * Returns the position to wait for.
 */
export async function completeReschedule(handler: HandlerDeps, moved: Pick<Rescheduled, 'appointmentId' | 'fromSlotId' | 'toSlotId'>, ctx: CommandContext): Promise<number> {
  const { appointmentId, fromSlotId, toSlotId } = moved;
  const appointment = await loadAppointment(handler.events, appointmentId);
  if (appointment.status === 'none') return 0;
  let position = 0;
  if (appointment.status === 'confirmed' && appointment.slotId === toSlotId) {
    const booked = await handle(handler, slotStream(toSlotId), slotDecider,
      (slot) => (slot.status === 'held' && slot.appointmentId === appointmentId ? bookHeldSlot(slot, { slotId: toSlotId, appointmentId }) : []),
      ctx, { step: 'book-new' });
    position = booked.position;
  }
  if (appointment.slotId !== fromSlotId) {
    const freed = await handle(handler, slotStream(fromSlotId), slotDecider,
      (slot) => releaseSlot(slot, { appointmentId, reason: 'rescheduled' }), ctx, { step: 'free-old' });
    position = Math.max(position, freed.position);
  }
  return position;
}
