import { appointmentDecider, appointmentStream, rescheduleAppointment as decideReschedule } from '../../domain/appointments/appointment.js';
import { earliestBookableStart, holdSlot, releaseSlot, slotDecider, slotStream } from '../../domain/scheduling/slot.js';
import { NotFound } from '../../domain/shared/errors.js';
import { deterministicId, handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment, loadSlot } from './appointmentStreams.js';
import { visibleTo } from './accessCheck.js';
import { completeReschedule } from './completeReschedule.js';
import { expireTakenOverHold } from './expireTakenOverHold.js';

/**
 * Moves a confirmed appointment to another free slot of the same doctor: hold the new slot first, then
 * move the appointment, book the new slot and release the old one. Should the move fail, the new hold
 * is given back (or lapses by its timer); once the move is recorded, a reactor finishes the slot half
 * whatever happens to this process, so no slot is lost and the appointment keeps a slot.
 */
export function rescheduleAppointment(deps: AppointmentsDeps) {
  return async (cmd: { appointmentId: string; newSlotId: string }, ctx: CommandContext): Promise<{ position: number }> => {
    const { appointmentId, newSlotId } = cmd;
    /** Whether the appointment's move was appended by this very command (its key's derived id is in the stream). */
    const movedUnder = async (key: string | undefined): Promise<boolean> => {
      if (key === undefined) return false;
      const streamId = appointmentStream(appointmentId);
      return (await deps.handler.events.readStream(streamId)).some((e) => e.metadata.eventId === deterministicId(key, streamId, 0));
    };
    const nowMs = deps.handler.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    const current = visibleTo(await loadAppointment(deps.handler.events, appointmentId), appointmentId, ctx.actor, ['admin']);
    const target = await loadSlot(deps.handler.events, newSlotId);
    if (target.status === 'unpublished') throw new NotFound('Slot', newSlotId);
    const move = { appointmentId, actor: ctx.actor, now, newSlot: { slotId: newSlotId, doctorId: target.doctorId, start: target.start, end: target.end } };
    // Refuse early (status, 2-hour rule, same doctor) before touching any slot; a retry (same key) of
    // a move already made finds every step done below instead of "already in that slot".
    if (!(current.slotId === newSlotId && await movedUnder(ctx.idempotencyKey))) decideReschedule(current, move);

    const held = await handle(deps.handler, slotStream(newSlotId), slotDecider, (slot) => holdSlot(slot, {
      slotId: newSlotId, appointmentId, patientId: current.patientId, now,
      expiresAt: new Date(nowMs + deps.holdTtlSeconds * 1000).toISOString(),
      notBefore: earliestBookableStart(new Date(nowMs), deps.minNoticeMinutes),
    }), ctx, { step: 'hold-new' });
    let moved;
    try {
      moved = await handle(deps.handler, appointmentStream(appointmentId), appointmentDecider,
        (a) => decideReschedule(a, move), { ...ctx, causationId: held.lastEventId });
    } catch (error) {
      // The appointment changed under us (e.g. cancelled meanwhile): give the new slot back at once.
      await handle(deps.handler, slotStream(newSlotId), slotDecider,
        (slot) => (slot.status === 'held' && slot.appointmentId === appointmentId ? releaseSlot(slot, { appointmentId, reason: 'abandoned' }) : []),
        ctx, { step: 'abandon-new' });
      throw error;
    }
    const loserExpired = await expireTakenOverHold(deps.handler, held.appended, ctx);
    // The reschedule-completion reactor repeats this from the recorded move, should we crash here.
    const completed = await completeReschedule(deps.handler, { appointmentId, fromSlotId: current.slotId, toSlotId: newSlotId },
      { ...ctx, causationId: moved.lastEventId });
    return { position: Math.max(moved.position, completed, loserExpired) };
  };
}
