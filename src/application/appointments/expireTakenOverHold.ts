import { appointmentDecider, appointmentStream, expireAppointment } from '../../domain/appointments/appointment.js';
import type { SlotEvent } from '../../domain/scheduling/slot.js';
import { systemActor } from '../../domain/shared/event.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { RecordedEvent } from '../ports/eventStore.js';

/**
 * When a new hold took over a lapsed one (the hold decision appended `SlotReleased(hold_expired)`
 * first), the appointment that lost the slot expires now rather than when its timer fires.
 * Returns the position to wait for, or 0 when nothing was taken over.
 */
export async function expireTakenOverHold(handler: HandlerDeps, appended: readonly RecordedEvent[], ctx: CommandContext): Promise<number> {
  const takenOver = appended.find((e) => e.type === 'SlotReleased');
  if (!takenOver) return 0;
  const loser = (takenOver.data as Extract<SlotEvent, { type: 'SlotReleased' }>['data']).appointmentId;
  const expired = await handle(handler, appointmentStream(loser), appointmentDecider,
    (a) => expireAppointment(a, { appointmentId: loser }),
    { actor: systemActor, correlationId: ctx.correlationId, causationId: takenOver.metadata.eventId });
  return expired.position;
}
