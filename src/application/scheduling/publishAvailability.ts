import { expandAvailability, type AvailabilityTemplate, type SlotTime } from '../../domain/scheduling/availability.js';
import { publishSlot, slotDecider, slotIdOf, slotStream } from '../../domain/scheduling/slot.js';
import { NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { DOCTORS, type DoctorDoc } from './doctorDirectory.projection.js';
import { SLOTS, type SlotDoc } from './slotBoard.projection.js';

export interface PublishAvailabilityResult {
  /** Slots that did not exist before this call. */
  published: number;
  /** Global position to wait for before reading the slot board. */
  position: number;
}

/** The longest slot a template can make; bounds how far back an overlapping slot can start. */
const LONGEST_SLOT_MS = 480 * 60_000;

/**
 * Drops new slot times that would overlap a different slot the doctor already has (say, 30-minute
 * slots published earlier and 20-minute ones now), so the doctor is never booked twice at once.
 * The same start is kept: its stream exists, and publishing it again is a no-op.
 */
async function withoutOverlaps(reads: ReadView, doctorId: string, times: SlotTime[]): Promise<SlotTime[]> {
  if (times.length === 0) return times;
  const from = new Date(Date.parse(times[0].start) - LONGEST_SLOT_MS).toISOString();
  const existing = await reads.find<SlotDoc>(SLOTS, { doctorId, start: { $gte: from, $lt: times[times.length - 1].end } }, { sort: { start: 1 } });
  let i = 0;
  return times.filter((t) => {
    // Both lists are sorted by start: skip existing slots that end before this one starts.
    while (i < existing.length && existing[i].end <= t.start) i += 1;
    for (let j = i; j < existing.length && existing[j].start < t.end; j += 1) {
      if (existing[j].start !== t.start) return false;
    }
    return true;
  });
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
    const times = await withoutOverlaps(deps.reads, doctorId, expandAvailability(template, now));
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
