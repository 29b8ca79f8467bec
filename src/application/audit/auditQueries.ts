import { appointmentDecider, appointmentStream, type AppointmentEvent } from '../../domain/appointments/appointment.js';
import { NotFound } from '../../domain/shared/errors.js';
import { toHistoryEntry, type HistoryEntry } from '../appointments/appointmentQueries.js';
import { verifyChain, type ChainVerdict } from '../eventSourcing/eventChain.js';
import type { EventStore } from '../ports/eventStore.js';
import type { Actor } from '../../domain/shared/event.js';
import type { ReadRequest, RecordAccess } from './accessLog.js';

/** Secrets that live in events for the system's own use and never leave through the audit feed. */
const REDACTED_FIELDS = new Set(['passwordHash', 'codeHash']);
/** What a report says is medical content: auditors see that a report was analysed or asked about, never what it said. */
const REPORT_CONTENT: Record<string, ReadonlySet<string>> = {
  ReportAnalyzed: new Set(['summary', 'findings', 'urgency']),
  ReportQuestionAnswered: new Set(['question', 'reply', 'urgency']),
};

function redact(type: string, data: unknown): unknown {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const content = REPORT_CONTENT[type];
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, REDACTED_FIELDS.has(k) || content?.has(k) ? '[redacted]' : v]));
}

export interface FeedEntry extends HistoryEntry {
  streamId: string;
}

/** Largest page of the global feed, and how many store pages one call may read to fill it. */
const MAX_FEED_LIMIT = 500;
const MAX_FEED_READS = 20;

/** What auditors can ask of the event store: histories, replays to an instant, chain checks, the feed. */
export function auditQueries(events: EventStore, recordAccess: RecordAccess) {
  const patientOf = (stream: readonly { data: unknown }[]): string => (stream[0].data as { patientId: string }).patientId;
  return {
    /** Every event of the appointment's stream; the read is recorded in its patient's access log. */
    async appointmentHistory(appointmentId: string, reader: Actor, read: ReadRequest): Promise<HistoryEntry[]> {
      const stream = await events.readStream(appointmentStream(appointmentId));
      if (stream.length === 0) throw new NotFound('Appointment', appointmentId);
      await recordAccess({ reader, patientId: patientOf(stream), record: { kind: 'appointment_history', id: appointmentId } }, read);
      return stream.map(toHistoryEntry);
    },

    /** The appointment as it stood at `at`: its events recorded up to then, folded by the decider. */
    async appointmentStateAt(appointmentId: string, at: string, reader: Actor, read: ReadRequest) {
      const stream = await events.readStream(appointmentStream(appointmentId));
      const upTo = stream.filter((e) => Date.parse(e.metadata.recordedAt) <= Date.parse(at));
      if (upTo.length === 0) throw new NotFound('Appointment at that time', appointmentId);
      await recordAccess({ reader, patientId: patientOf(upTo), record: { kind: 'appointment_state', id: appointmentId } }, read);
      const state = upTo.reduce((s, e) => appointmentDecider.evolve(s, e as unknown as AppointmentEvent), appointmentDecider.initialState);
      return { ...state, asOf: at, revision: upTo[upTo.length - 1].revision, position: upTo[upTo.length - 1].position };
    },

    async verifyStream(streamId: string): Promise<ChainVerdict> {
      const stream = await events.readStream(streamId, { raw: true });
      if (stream.length === 0) throw new NotFound('Stream', streamId);
      return verifyChain(stream);
    },

    /** Events after `after` in global order, optionally of one type. */
    async feed(q: { after?: number; type?: string; limit?: number }): Promise<{ items: FeedEntry[]; next: number | null }> {
      const limit = Math.min(q.limit ?? 100, MAX_FEED_LIMIT);
      const items: FeedEntry[] = [];
      let from = q.after ?? 0;
      for (let reads = 0; reads < MAX_FEED_READS && items.length < limit; reads += 1) {
        const page = await events.readAll({ fromPosition: from, maxCount: MAX_FEED_LIMIT });
        for (const e of page) {
          from = e.position;
          if (q.type && e.type !== q.type) continue;
          items.push({ ...toHistoryEntry(e), data: redact(e.type, e.data), streamId: e.streamId });
          if (items.length >= limit) break;
        }
        if (page.length < MAX_FEED_LIMIT) return { items, next: items.length >= limit ? from : null };
      }
      return { items, next: from };
    },
  };
}
