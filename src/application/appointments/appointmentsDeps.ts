import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Mailer } from '../ports/mailer.js';
import type { Scheduler } from '../ports/scheduler.js';

export interface AppointmentsDeps {
  handler: HandlerDeps;
  reads: ReadView;
  scheduler: Pick<Scheduler, 'scheduleAll'>;
  mailer: Mailer;
  /** How long an unpaid hold lasts (HOLD_TTL_SECONDS). */
  holdTtlSeconds: number;
  /** A slot starting sooner than this cannot be booked (MIN_NOTICE_MINUTES). */
  minNoticeMinutes: number;
  /** Resolves once every projection has passed `position` (false on timeout). */
  waitForProjections(position: number): Promise<boolean>;
}
