import { planReminders } from '../../domain/appointments/reminders.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore } from '../ports/eventStore.js';
import type { JobToSchedule, Scheduler } from '../ports/scheduler.js';
import { loadAppointment } from './appointmentStreams.js';
import { SEND_REMINDER_JOB, type SendReminderJob } from './sendReminder.js';

/** One job per appointment and offset: scheduling again under the key moves it. */
export const reminderKey = (appointmentId: string, offsetMinutes: number): string => `${appointmentId}:${offsetMinutes}`;

/**
 * Keeps an appointment's reminder jobs in line with its stream: whatever the event, the reactor reads
 * the appointment as it is now and schedules a job per offset still ahead (same key → the job moves
 * on a reschedule) and removes the others (all of them once it is no longer confirmed). Replaying any
 * of its events converges on the same jobs, and the job itself checks the stream again when it fires.
 */
export function remindersReactor(deps: { events: EventStore; clock: Clock; scheduler: Pick<Scheduler, 'scheduleAll' | 'cancel'>; offsetsMinutes: readonly number[] }): Reactor {
  return {
    name: 'appointment-reminders',
    handles: ['AppointmentConfirmed', 'AppointmentRescheduled', 'AppointmentCancelled'],
    idempotent: true,
    async react(recorded) {
      const appointmentId = (recorded.data as { appointmentId: string }).appointmentId;
      const appointment = await loadAppointment(deps.events, appointmentId);
      const { due, none } = planReminders(appointment, deps.offsetsMinutes, deps.clock.now().toISOString());
      const jobs = due.map((r): JobToSchedule => {
        const data: SendReminderJob = {
          appointmentId, offsetMinutes: r.offsetMinutes, start: r.start,
          correlationId: recorded.metadata.correlationId, causationId: recorded.metadata.eventId,
        };
        return { name: SEND_REMINDER_JOB, runAt: new Date(r.runAt), data, uniqueKey: reminderKey(appointmentId, r.offsetMinutes) };
      });
      if (jobs.length > 0) await deps.scheduler.scheduleAll(jobs);
      for (const offsetMinutes of none) await deps.scheduler.cancel(SEND_REMINDER_JOB, { appointmentId, offsetMinutes });
    },
  };
}
