import { appointmentDecider, appointmentStream, rescheduleAppointment as decideReschedule } from '../../domain/appointments/appointment.js';
import { bookSlot as bookHeldSlot, holdSlot, releaseSlot, slotDecider, slotStream } from '../../domain/scheduling/slot.js';
import { NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment, loadSlot } from './appointmentStreams.js';
import { visibleTo } from './accessCheck.js';
import { expireTakenOverHold } from './expireTakenOverHold.js';

/**
 * Moves a confirmed appointment to another free slot of the same doctor: hold the new slot first, then
 * move the appointment, book the new slot and release the old one. If anything fails midway the new
 * hold simply lapses (its timer releases it), so no slot is lost and the appointment keeps a slot.
 */
export function rescheduleAppointment(deps: AppointmentsDeps) {
  return async (cmd: { appointmentId: string; newSlotId: string }, ctx: CommandContext): Promise<{ position: number }> => {
    const { appointmentId, newSlotId } = cmd;
    const nowMs = deps.handler.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    const current = visibleTo(await loadAppointment(deps.handler.events, appointmentId), appointmentId, ctx.actor, ['admin']);
    const target = await loadSlot(deps.handler.events, newSlotId);
    if (target.status === 'unpublished') throw new NotFound('Slot', newSlotId);
    const move = { appointmentId, actor: ctx.actor, now, newSlot: { slotId: newSlotId, doctorId: target.doctorId, start: target.start, end: target.end } };
    // Refuse early (status, 2-hour rule, same doctor) before touching any slot.
    decideReschedule(current, move);

    const held = await handle(deps.handler, slotStream(newSlotId), slotDecider, (slot) => holdSlot(slot, {
      slotId: newSlotId, appointmentId, patientId: current.patientId, now,
      expiresAt: new Date(nowMs + deps.holdTtlSeconds * 1000).toISOString(),
      notBefore: new Date(nowMs + deps.minNoticeMinutes * 60_000).toISOString(),
    }), ctx);
    let moved;
    try {
      moved = await handle(deps.handler, appointmentStream(appointmentId), appointmentDecider,
        (a) => decideReschedule(a, move), { ...ctx, causationId: held.lastEventId });
    } catch (error) {
      // The appointment changed under us (e.g. cancelled meanwhile): give the new slot back at once.
      await handle(deps.handler, slotStream(newSlotId), slotDecider,
        (slot) => (slot.status === 'held' ? releaseSlot(slot, { appointmentId, reason: 'abandoned' }) : []), ctx);
      throw error;
    }
    const loserExpired = await expireTakenOverHold(deps.handler, held.appended, ctx);
    const booked = await handle(deps.handler, slotStream(newSlotId), slotDecider,
      (slot) => bookHeldSlot(slot, { slotId: newSlotId, appointmentId }), { ...ctx, causationId: moved.lastEventId });
    const freed = await handle(deps.handler, slotStream(current.slotId), slotDecider,
      (slot) => releaseSlot(slot, { appointmentId, reason: 'rescheduled' }), { ...ctx, causationId: moved.lastEventId });
    return { position: Math.max(moved.position, booked.position, freed.position, loserExpired) };
  };
}
