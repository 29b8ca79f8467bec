import { systemActor } from '../../domain/shared/event.js';
import type { ContextModule } from '../module.js';
import { accessRecorder } from '../audit/accessLog.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { appointmentQueries } from './appointmentQueries.js';
import { appointmentsProjection } from './appointments.projection.js';
import { bookSlot } from './bookSlot.js';
import { bookingMailReactor } from './bookingMail.reactor.js';
import { appointmentCalendars } from './calendars.js';
import { cancelAppointment } from './cancelAppointment.js';
import { completeAppointment, markNoShow } from './concludeAppointment.js';
import { confirmBooking } from './confirmBooking.js';
import { holdExpiryReactor, type ReleaseSlotHoldJob } from './holdExpiry.reactor.js';
import { RELEASE_SLOT_HOLD_JOB, releaseSlotHold } from './releaseSlotHold.js';
import { rescheduleAppointment } from './rescheduleAppointment.js';
import { rescheduleCompletionReactor } from './rescheduleCompletion.reactor.js';
import { slotReleaseReactor } from './slotRelease.reactor.js';
import { SWEEP_EVERY_MS, SWEEP_LAPSED_HOLDS_JOB, sweepLapsedHolds } from './sweepLapsedHolds.js';

/** The booking saga: hold → pay → confirm, with expiry, reschedule, cancel and conclusion. */
export function createAppointmentsModule(deps: AppointmentsDeps) {
  const queries = appointmentQueries(deps.reads, deps.handler.events, accessRecorder(deps.handler));
  const releaseHold = releaseSlotHold(deps);
  const sweep = sweepLapsedHolds({ reads: deps.reads, clock: deps.handler.clock, release: releaseHold });
  const calendars = appointmentCalendars(deps);
  return {
    bookSlot: bookSlot(deps),
    confirmBooking: confirmBooking(deps),
    releaseSlotHold: releaseHold,
    sweepLapsedHolds: sweep,
    reschedule: rescheduleAppointment(deps),
    cancel: cancelAppointment(deps),
    complete: completeAppointment(deps),
    noShow: markNoShow(deps),
    ...queries,
    calendarFeed: calendars.calendarFeed,
    doctorAgenda: calendars.doctorAgenda,
    inviteFor: calendars.invite,
    projections: [appointmentsProjection],
    reactors: [
      holdExpiryReactor(deps.scheduler),
      bookingMailReactor({ events: deps.handler.events, reads: deps.reads, mailer: deps.mailer, invite: calendars.invite }),
      slotReleaseReactor(deps.handler),
      rescheduleCompletionReactor(deps.handler),
      ...calendars.reactors,
    ],
    jobs: [{
      name: RELEASE_SLOT_HOLD_JOB,
      // A compensation never gives up: through any outage of the store it retries, a minute apart at most.
      options: { attempts: Number.POSITIVE_INFINITY, backoffMs: 1000, maxBackoffMs: 60_000 },
      handler: async (data: Record<string, unknown>) => {
        const job = data as ReleaseSlotHoldJob;
        await releaseHold({ appointmentId: job.appointmentId, slotId: job.slotId },
          { actor: systemActor, correlationId: job.correlationId, causationId: job.causationId });
      },
    }, {
      name: SWEEP_LAPSED_HOLDS_JOB,
      everyMs: SWEEP_EVERY_MS,
      handler: async () => { await sweep(); },
    }, ...calendars.jobs],
  } satisfies ContextModule & Record<string, unknown>;
}

export type AppointmentsModule = ReturnType<typeof createAppointmentsModule>;
