import { inviteMethodOf } from '../../domain/appointments/calendarEntry.js';
import { appointmentStream } from '../../domain/appointments/appointment.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { CalendarFiles } from '../ports/calendarFiles.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { MailAttachment } from '../ports/mailer.js';
import { calendarEventOf, entryAfter, partiesOf } from './calendarEvents.js';

export type InviteFor = (recorded: RecordedEvent) => Promise<MailAttachment | null>;

/**
 * The patient's calendar invitation for a confirmation, reschedule or cancellation: the appointment
 * as of that event (its stream read up to the event's revision), so a replay builds the same file.
 */
export function appointmentInvite(deps: { events: EventStore; reads: ReadView; files: CalendarFiles; consultationUrl(id: string): string }): InviteFor {
  return async (recorded) => {
    const appointmentId = (recorded.data as { appointmentId: string }).appointmentId;
    const history = (await deps.events.readStream(appointmentStream(appointmentId))).filter((e) => e.revision <= recorded.revision);
    const entry = entryAfter(history);
    if (!entry) return null;
    const method = inviteMethodOf(entry);
    const event = calendarEventOf(entry, await partiesOf(deps.reads, entry), 'patient', recorded.metadata.recordedAt, deps.consultationUrl(appointmentId));
    return {
      filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
      contentType: `text/calendar; charset=utf-8; method=${method}`,
      content: deps.files.invite(event, method),
    };
  };
}
