import type { SlotEvent } from '../../domain/scheduling/slot.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { JobToSchedule, Scheduler } from '../ports/scheduler.js';
import { RELEASE_SLOT_HOLD_JOB } from './releaseSlotHold.js';

export interface ReleaseSlotHoldJob extends Record<string, unknown> {
  appointmentId: string;
  slotId: string;
  correlationId: string;
  causationId: string;
}

/**
 * Saga step 2: every hold gets a timer at its expiry. Driven by the recorded event, so a crash
 * between the append and the scheduling cannot lose a timer; the unique key makes a replay schedule once.
 */
export function holdExpiryReactor(scheduler: Pick<Scheduler, 'scheduleAll'>): Reactor {
  const timerFor = (event: RecordedEvent): JobToSchedule => {
    const data = event.data as Extract<SlotEvent, { type: 'SlotHeld' }>['data'];
    const job: ReleaseSlotHoldJob = {
      appointmentId: data.appointmentId, slotId: data.slotId,
      correlationId: event.metadata.correlationId, causationId: event.metadata.eventId,
    };
    return { name: RELEASE_SLOT_HOLD_JOB, runAt: new Date(data.expiresAt), data: job, uniqueKey: data.appointmentId };
  };
  return {
    name: 'hold-expiry',
    handles: ['SlotHeld'],
    idempotent: true,
    react: (event) => scheduler.scheduleAll([timerFor(event)]),
    reactAll: (events) => scheduler.scheduleAll(events.map(timerFor)),
  };
}
