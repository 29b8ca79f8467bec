import { systemActor } from '../../domain/shared/event.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Clock } from '../ports/clock.js';
import { SLOTS, type SlotDoc } from '../scheduling/slotBoard.projection.js';
import { APPOINTMENTS, type AppointmentDoc } from './appointments.projection.js';
import type { releaseSlotHold } from './releaseSlotHold.js';

export const SWEEP_LAPSED_HOLDS_JOB = 'sweep-lapsed-holds';

/** How often the sweep runs: a lapsed hold is released within this long even if its own timer was lost. */
export const SWEEP_EVERY_MS = 60_000;

/** The most holds one sweep releases; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * A safety net under the hold timers: every hold past its expiry that is still on the slot board, and
 * every appointment still unpaid past its hold, is released as its timer would have (the release is
 * idempotent, so a timer firing too changes nothing). Returns how many holds it looked at.
 */
export function sweepLapsedHolds(deps: { reads: ReadView; clock: Clock; release: ReturnType<typeof releaseSlotHold> }) {
  return async (): Promise<number> => {
    const now = deps.clock.now().toISOString();
    const [slots, appointments] = await Promise.all([
      deps.reads.find<SlotDoc>(SLOTS, { status: 'held', holdExpiresAt: { $lte: now } }, { limit: SWEEP_BATCH }),
      deps.reads.find<AppointmentDoc>(APPOINTMENTS, { status: 'pending_payment', holdExpiresAt: { $lte: now } }, { limit: SWEEP_BATCH }),
    ]);
    const lapsed = new Map<string, { appointmentId: string; slotId: string }>();
    for (const s of slots) if (s.appointmentId) lapsed.set(`${s.appointmentId}|${s.slotId}`, { appointmentId: s.appointmentId, slotId: s.slotId });
    for (const a of appointments) lapsed.set(`${a.appointmentId}|${a.slotId}`, { appointmentId: a.appointmentId, slotId: a.slotId });
    // One hold that cannot be released now must not keep the others; the job fails afterwards, so it shows.
    const failures: unknown[] = [];
    for (const hold of lapsed.values()) {
      await deps.release(hold, { actor: systemActor, correlationId: `sweep:${now}` }).catch((error: unknown) => { failures.push(error); });
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${lapsed.size} lapsed holds could not be released`);
    return lapsed.size;
  };
}
