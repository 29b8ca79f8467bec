import { createHash, timingSafeEqual } from 'node:crypto';
import { appointmentStream } from '../../domain/appointments/appointment.js';
import { calendarFeedDecider, calendarFeedStream, feedTokenHash, issueFeedToken, revokeFeedToken, type CalendarFeedEvent } from '../../domain/appointments/calendarFeed.js';
import { NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { CalendarEvent } from '../ports/calendarFiles.js';
import type { CalendarsDeps } from './appointmentsDeps.js';
import { APPOINTMENTS, type AppointmentDoc } from './appointments.projection.js';
import { calendarEventOf, entryAfter, type PartyDoc } from './calendarEvents.js';

/** The feed shows what the doctor had and has: the last 30 days and everything ahead, at most this many. */
const FEED_PAST_MS = 30 * 24 * 3600_000;
const FEED_LIMIT = 500;
const FEED_STATUSES = ['confirmed', 'completed', 'missed', 'cancelled'];

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * A token names its doctor (so the feed reads one stream, never a projection that may lag a
 * revocation) and carries a secret: `base64url(doctorId).secret`. Only its hash is recorded.
 */
function doctorOf(token: string): string | null {
  const [encoded, secret, extra] = token.split('.');
  if (!encoded || !secret || extra !== undefined) return null;
  const doctorId = Buffer.from(encoded, 'base64url').toString('utf8');
  return doctorId && Buffer.from(doctorId, 'utf8').toString('base64url') === encoded ? doctorId : null;
}

const sameHash = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

class FeedNotFound extends NotFound {
  constructor() { super('Calendar feed'); }
}

export function calendarFeed(deps: { handler: HandlerDeps; reads: ReadView; calendars: CalendarsDeps }) {
  const { handler, reads, calendars } = deps;
  const now = () => handler.clock.now().toISOString();

  async function eventsOfDoctor(doctorId: string): Promise<CalendarEvent[]> {
    const docs = await reads.find<AppointmentDoc>(APPOINTMENTS, {
      doctorId, status: { $in: FEED_STATUSES }, start: { $gte: new Date(handler.clock.now().getTime() - FEED_PAST_MS).toISOString() },
    }, { sort: { start: 1 }, limit: FEED_LIMIT });
    const patientIds = [...new Set(docs.map((d) => d.patientId))];
    const [doctor, ...patients] = await Promise.all([doctorId, ...patientIds].map((id) => reads.get<PartyDoc>('users', id)));
    const patientById = new Map(patientIds.map((id, i) => [id, patients[i]]));
    const events = await Promise.all(docs.map(async (doc) => {
      // SEQUENCE and DTSTAMP come from the appointment's own stream, as in the e-mailed invitations.
      const history = await handler.events.readStream(appointmentStream(doc.appointmentId));
      const entry = entryAfter(history);
      if (!entry) return null;
      return calendarEventOf(entry, { patient: patientById.get(doc.patientId) ?? null, doctor }, 'doctor',
        history[history.length - 1].metadata.recordedAt, calendars.consultationUrl(doc.appointmentId));
    }));
    return events.filter((e): e is CalendarEvent => e !== null);
  }

  return {
    /** A new token for the signed-in doctor; any earlier one stops working at once. */
    async issue(ctx: CommandContext): Promise<{ token: string; url: string }> {
      const doctorId = ctx.actor.userId;
      const token = `${Buffer.from(doctorId, 'utf8').toString('base64url')}.${calendars.secrets.generate()}`;
      await handle(handler, calendarFeedStream(doctorId), calendarFeedDecider,
        (s) => issueFeedToken(s, { doctorId, tokenHash: sha256(token), now: now() }), ctx);
      return { token, url: calendars.feedUrl(token) };
    },

    async revoke(ctx: CommandContext): Promise<void> {
      const doctorId = ctx.actor.userId;
      await handle(handler, calendarFeedStream(doctorId), calendarFeedDecider, (s) => revokeFeedToken(s, { doctorId, now: now() }), ctx);
    },

    /** The iCalendar feed a live token opens; any other token finds nothing. */
    async feed(token: string): Promise<string> {
      const doctorId = doctorOf(token);
      if (!doctorId) throw new FeedNotFound();
      const history = await handler.events.readStream(calendarFeedStream(doctorId));
      const state = history.reduce((s, e) => calendarFeedDecider.evolve(s, e as unknown as CalendarFeedEvent), calendarFeedDecider.initialState);
      const recorded = feedTokenHash(state);
      if (!recorded || !sameHash(recorded, sha256(token))) throw new FeedNotFound();
      const doctor = await reads.get<PartyDoc>('users', doctorId);
      return calendars.files.feed(`HealthVision: ${doctor?.name ?? 'appointments'}`, await eventsOfDoctor(doctorId));
    },
  };
}
