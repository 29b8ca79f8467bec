import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Mailer } from '../ports/mailer.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { CalendarFiles } from '../ports/calendarFiles.js';
import type { FeedSecrets } from '../ports/feedSecrets.js';

/** Reminders, calendar invites and the doctor's feed and day. */
export interface CalendarsDeps {
  files: CalendarFiles;
  secrets: FeedSecrets;
  /** Minutes before a confirmed start at which both parties are reminded (REMINDER_OFFSETS_MINUTES). */
  reminderOffsetsMinutes: readonly number[];
  /** Where a party opens the consultation of an appointment. */
  consultationUrl(appointmentId: string): string;
  /** The subscription address of a feed token. */
  feedUrl(token: string): string;
}

export interface AppointmentsDeps {
  handler: HandlerDeps;
  reads: ReadView;
  scheduler: Pick<Scheduler, 'scheduleAll' | 'cancel'>;
  mailer: Mailer;
  /** How long an unpaid hold lasts (HOLD_TTL_SECONDS). */
  holdTtlSeconds: number;
  /** A slot starting sooner than this cannot be booked (MIN_NOTICE_MINUTES). */
  minNoticeMinutes: number;
  /** Resolves once every projection has passed `position` (false on timeout). */
  waitForProjections(position: number): Promise<boolean>;
  calendars: CalendarsDeps;
}
