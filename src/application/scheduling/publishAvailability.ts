import { expandAvailability, type AvailabilityTemplate } from '../../domain/scheduling/availability.js';
import { publishSlot, slotDecider, slotIdOf, slotStream } from '../../domain/scheduling/slot.js';
import { NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { DOCTORS, type DoctorDoc } from './doctorDirectory.projection.js';

export interface PublishAvailabilityResult {
  /** Slots that did not exist before this call. */
  published: number;
  /** Global position to wait for before reading the slot board. */
  position: number;
}

/** Streams written per batch; bounds memory and keeps the event loop responsive for long templates. */
const BATCH = 25;

/**
 * Expands the doctor's weekly template and publishes each slot into its own stream. A slot's stream
 * is named by its start, so a republished template finds its slots already there and adds nothing.
 */
export function publishAvailability(deps: { handler: HandlerDeps; reads: ReadView }) {
  return async (template: AvailabilityTemplate, ctx: CommandContext): Promise<PublishAvailabilityResult> => {
    const doctorId = ctx.actor.userId;
    const doctor = await deps.reads.get<DoctorDoc>(DOCTORS, doctorId);
    if (!doctor) throw new NotFound('Doctor', doctorId);
    const now = deps.handler.clock.now().toISOString();
    const times = expandAvailability(template, now);
    let published = 0;
    let position = 0;
    for (let i = 0; i < times.length; i += BATCH) {
      const results = await Promise.all(times.slice(i, i + BATCH).map(({ start, end }) => {
        const slotId = slotIdOf(doctorId, start);
        return handle(deps.handler, slotStream(slotId), slotDecider,
          (slot) => publishSlot(slot, { slotId, doctorId, start, end, feePaise: doctor.feePaise, now }), ctx);
      }));
      for (const r of results) {
        published += r.appended.length;
        position = Math.max(position, r.position);
      }
    }
    return { published, position };
  };
}
