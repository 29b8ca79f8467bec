import { appointmentDecider, appointmentStream, requestAppointment } from '../../domain/appointments/appointment.js';
import { holdSlot, slotDecider, slotStream, type Slot } from '../../domain/scheduling/slot.js';
import { Conflict } from '../../domain/shared/errors.js';
import { deterministicId, handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { APPOINTMENTS } from './appointments.projection.js';
import { expireTakenOverHold } from './expireTakenOverHold.js';

/** A patient may keep this many unpaid holds at once. */
export const MAX_LIVE_HOLDS = 3;

export interface BookSlotResult {
  appointmentId: string;
  status: 'pending_payment';
  slotId: string;
  holdExpiresAt: string;
  feePaise: number;
  position: number;
}

/** Patients whose last booking's position is remembered; the oldest are forgotten beyond this. */
const REMEMBERED_PATIENTS = 10_000;

/**
 * Saga step 1: hold the slot (its stream's expected revision lets exactly one of many concurrent
 * bookings win), then open the appointment. A lapsed hold is taken over in the same decision and the
 * appointment that lost it expires.
 *
 * The answer does not wait for the read models; instead a patient's next booking waits until their
 * previous one is projected, so the hold limit always counts it without slowing everyone's bookings.
 */
export function bookSlot(deps: AppointmentsDeps) {
  const lastBookingOf = new Map<string, number>();
  return async (slotId: string, ctx: CommandContext): Promise<BookSlotResult> => {
    const patientId = ctx.actor.userId;
    const previous = lastBookingOf.get(patientId);
    if (previous !== undefined) await deps.waitForProjections(previous);
    const nowMs = deps.handler.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    const liveHolds = await deps.reads.count(APPOINTMENTS, { patientId, status: 'pending_payment', holdExpiresAt: { $gt: now } });
    if (liveHolds >= MAX_LIVE_HOLDS) {
      throw new Conflict('too_many_holds', `A patient can hold at most ${MAX_LIVE_HOLDS} unpaid slots at once; pay for or let go of one first.`);
    }
    // Under an Idempotency-Key the retried command must reproduce the same appointment.
    const appointmentId = ctx.idempotencyKey ? deterministicId(ctx.idempotencyKey, 'appointment', 0) : deps.handler.ids.next();
    const holdExpiresAt = new Date(nowMs + deps.holdTtlSeconds * 1000).toISOString();
    const notBefore = new Date(nowMs + deps.minNoticeMinutes * 60_000).toISOString();
    const held = await handle(deps.handler, slotStream(slotId), slotDecider,
      (slot) => holdSlot(slot, { slotId, appointmentId, patientId, now, expiresAt: holdExpiresAt, notBefore }), ctx);
    const slot = held.state as Extract<Slot, { status: 'held' }>;
    const requested = await handle(deps.handler, appointmentStream(appointmentId), appointmentDecider,
      (a) => requestAppointment(a, {
        appointmentId, patientId, doctorId: slot.doctorId, slotId, start: slot.start, end: slot.end,
        feePaise: slot.feePaise, holdExpiresAt: slot.expiresAt,
      }),
      { ...ctx, causationId: held.lastEventId },
      // A generated id names a stream nobody has written; a retried request's derived id may have.
      { newStream: !ctx.idempotencyKey });
    const position = Math.max(requested.position, await expireTakenOverHold(deps.handler, held.appended, ctx));
    lastBookingOf.delete(patientId);
    lastBookingOf.set(patientId, position);
    if (lastBookingOf.size > REMEMBERED_PATIENTS) lastBookingOf.delete(lastBookingOf.keys().next().value as string);
    return { appointmentId, status: 'pending_payment', slotId, holdExpiresAt: slot.expiresAt, feePaise: slot.feePaise, position };
  };
}
