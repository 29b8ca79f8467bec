import {
  AppointmentClosed, appointmentDecider, appointmentStream, confirmAppointment, expireAppointment, type Appointment, type PaymentMethod,
} from '../../domain/appointments/appointment.js';
import { bookSlot as bookHeldSlot, releaseSlot, slotDecider, slotStream, SlotUnavailable } from '../../domain/scheduling/slot.js';
import { NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment } from './appointmentStreams.js';

export interface ConfirmBooking {
  appointmentId: string;
  paymentId: string;
  method: PaymentMethod;
  paidPaise: number;
}

/** Why a payment could not confirm: the hold had lapsed, another payment had bought it, or it was closed otherwise (cancelled). */
export type NotConfirmedReason = 'hold_released' | 'paid_by_another' | 'not_pending';

export type ConfirmBookingResult =
  | { confirmed: true; position: number }
  | { confirmed: false; reason: NotConfirmedReason; position: number };

function whyNotPending(appointment: Appointment, paymentId: string): NotConfirmedReason {
  if (appointment.status === 'expired') return 'hold_released';
  const paidBy = appointment.status === 'none' ? null : appointment.payment?.paymentId;
  return paidBy && paidBy !== paymentId ? 'paid_by_another' : 'not_pending';
}

/**
 * Saga step 3, sent by payments once money is captured: the hold becomes a booking and the appointment
 * is confirmed. The same payment confirming again answers `confirmed: true` and changes nothing; a hold
 * that was already released answers `hold_released` (payments then refunds).
 */
export function confirmBooking(deps: AppointmentsDeps) {
  return async (cmd: ConfirmBooking, ctx: CommandContext): Promise<ConfirmBookingResult> => {
    const appointment = await loadAppointment(deps.handler.events, cmd.appointmentId);
    if (appointment.status === 'none') throw new NotFound('Appointment', cmd.appointmentId);
    if (appointment.status === 'confirmed' && appointment.payment?.paymentId === cmd.paymentId) return { confirmed: true, position: 0 };
    if (appointment.status !== 'pending_payment') return { confirmed: false, reason: whyNotPending(appointment, cmd.paymentId), position: 0 };
    const streamId = appointmentStream(cmd.appointmentId);
    const slotId = appointment.slotId;
    let booked;
    try {
      booked = await handle(deps.handler, slotStream(slotId), slotDecider,
        (slot) => bookHeldSlot(slot, { slotId, appointmentId: cmd.appointmentId }), ctx, { step: 'book' });
    } catch (error) {
      if (!(error instanceof SlotUnavailable)) throw error;
      // The slot went to someone else after the hold lapsed: this appointment cannot happen.
      const expired = await handle(deps.handler, streamId, appointmentDecider,
        (a) => expireAppointment(a, { appointmentId: cmd.appointmentId }), ctx, { step: 'expire' });
      return { confirmed: false, reason: whyNotPending(expired.state, cmd.paymentId), position: expired.position };
    }
    try {
      const confirmed = await handle(deps.handler, streamId, appointmentDecider,
        (a) => confirmAppointment(a, cmd), { ...ctx, causationId: booked.lastEventId ?? ctx.causationId }, { step: 'confirm' });
      return { confirmed: true, position: confirmed.position };
    } catch (error) {
      if (!(error instanceof AppointmentClosed)) throw error;
      // Cancelled or expired while the payment was on its way: the slot just booked is given back,
      // and payments refunds, as for any payment that arrives too late.
      const now = await loadAppointment(deps.handler.events, cmd.appointmentId);
      const over = now.status === 'cancelled' || now.status === 'expired';
      const freed = await handle(deps.handler, slotStream(slotId), slotDecider,
        (slot) => (over ? releaseSlot(slot, { appointmentId: cmd.appointmentId, reason: 'abandoned' }) : []), ctx, { step: 'give-back' });
      return { confirmed: false, reason: whyNotPending(now, cmd.paymentId), position: freed.position };
    }
  };
}
