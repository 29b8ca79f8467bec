import { appointmentDecider, appointmentStream, cancelAppointment as decideCancel, type Refund } from '../../domain/appointments/appointment.js';
import { releaseSlot, slotDecider, slotStream } from '../../domain/scheduling/slot.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment } from './appointmentStreams.js';
import { visibleTo } from './accessCheck.js';

/**
 * Cancels and frees the slot. The refund is decided here (policy) and carried out by payments from
 * its reactor on AppointmentCancelled.
 */
export function cancelAppointment(deps: AppointmentsDeps) {
  return async (cmd: { appointmentId: string; reason?: string }, ctx: CommandContext): Promise<{ refund: Refund | null; position: number }> => {
    const { appointmentId } = cmd;
    const now = deps.handler.clock.now().toISOString();
    const current = visibleTo(await loadAppointment(deps.handler.events, appointmentId), appointmentId, ctx.actor, ['admin']);
    const cancelled = await handle(deps.handler, appointmentStream(appointmentId), appointmentDecider,
      (a) => decideCancel(a, { appointmentId, actor: ctx.actor, reason: cmd.reason ?? '', now }), ctx);
    const event = cancelled.appended.find((e) => e.type === 'AppointmentCancelled');
    const refund = (event?.data as { refund: Refund | null } | undefined)?.refund ?? null;
    const freed = await handle(deps.handler, slotStream(current.slotId), slotDecider,
      (slot) => releaseSlot(slot, { appointmentId, reason: 'cancelled' }), { ...ctx, causationId: cancelled.lastEventId });
    return { refund, position: Math.max(cancelled.position, freed.position) };
  };
}
