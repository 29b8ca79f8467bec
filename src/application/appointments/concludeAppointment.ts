import { appointmentDecider, appointmentStream, completeAppointment as decideComplete, markNoShow as decideNoShow } from '../../domain/appointments/appointment.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment } from './appointmentStreams.js';
import { visibleTo } from './accessCheck.js';

/** The doctor records, after the start, that the consultation took place or that the patient missed it. */
function conclude(decide: typeof decideComplete) {
  return (deps: AppointmentsDeps) => async (appointmentId: string, ctx: CommandContext): Promise<{ position: number }> => {
    const now = deps.handler.clock.now().toISOString();
    visibleTo(await loadAppointment(deps.handler.events, appointmentId), appointmentId, ctx.actor, []);
    const result = await handle(deps.handler, appointmentStream(appointmentId), appointmentDecider,
      (a) => decide(a, { appointmentId, actor: ctx.actor, now }), ctx);
    return { position: result.position };
  };
}

export const completeAppointment = conclude(decideComplete);
export const markNoShow = conclude(decideNoShow);
