import type { JobDefinition } from '../module.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { appointmentInvite } from './appointmentInvite.js';
import { calendarFeed } from './calendarFeed.js';
import { doctorAgenda } from './doctorAgenda.js';
import { remindersReactor } from './reminders.reactor.js';
import { SEND_REMINDER_JOB, sendReminder, type SendReminderJob } from './sendReminder.js';

/** Reminders, calendar invitations, the doctor's subscription feed and day: the booking as calendars see it. */
export function appointmentCalendars(deps: AppointmentsDeps) {
  const { handler, reads, mailer, scheduler, calendars } = deps;
  const remind = sendReminder({ events: handler.events, reads, clock: handler.clock, mailer, consultationUrl: calendars.consultationUrl });
  const reminderJob: JobDefinition = {
    name: SEND_REMINDER_JOB,
    // A mail service down for a while: retry for about half an hour; the job stops itself at the start.
    options: { attempts: 6, backoffMs: 60_000, maxBackoffMs: 10 * 60_000 },
    handler: (data) => remind(data as SendReminderJob),
  };
  return {
    invite: appointmentInvite({ events: handler.events, reads, files: calendars.files, consultationUrl: calendars.consultationUrl }),
    calendarFeed: calendarFeed({ handler, reads, calendars }),
    doctorAgenda: doctorAgenda({ reads, clock: handler.clock }),
    reactors: [remindersReactor({ events: handler.events, clock: handler.clock, scheduler, offsetsMinutes: calendars.reminderOffsetsMinutes })],
    jobs: [reminderJob],
  };
}
