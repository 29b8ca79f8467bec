import { appointmentStream, type ExistingAppointment } from '../../domain/appointments/appointment.js';
import { loadAppointment } from './appointmentStreams.js';
import type { Actor } from '../../domain/shared/event.js';
import { NotFound } from '../../domain/shared/errors.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { Filter } from '../ports/readStore.js';
import { APPOINTMENTS, type AppointmentDoc } from './appointments.projection.js';
import type { ReadRequest, RecordAccess } from '../audit/accessLog.js';

/** The contract's appointment: the read model's core fields, with optional parts only when they apply. */
export interface AppointmentView extends Pick<AppointmentDoc, 'appointmentId' | 'patientId' | 'doctorId' | 'slotId' | 'start' | 'end' | 'feePaise' | 'status'> {
  holdExpiresAt?: string;
  payment?: { paymentId: string; method: string; paidPaise: number };
  cancelledBy?: string;
  refund?: { amountPaise: number; destination: 'wallet' | 'source' } | null;
}

export function toAppointmentView(doc: AppointmentDoc): AppointmentView {
  return {
    appointmentId: doc.appointmentId, patientId: doc.patientId, doctorId: doc.doctorId, slotId: doc.slotId,
    start: doc.start, end: doc.end, feePaise: doc.feePaise, status: doc.status,
    ...(doc.holdExpiresAt ? { holdExpiresAt: doc.holdExpiresAt } : {}),
    ...(doc.paymentId && doc.paymentMethod ? { payment: { paymentId: doc.paymentId, method: doc.paymentMethod, paidPaise: doc.paidPaise ?? 0 } } : {}),
    ...(doc.cancelledBy ? { cancelledBy: doc.cancelledBy, refund: doc.refund ? { amountPaise: doc.refund.amountPaise, destination: doc.refund.destination } : null } : {}),
  };
}

export interface HistoryEntry {
  position: number;
  revision: number;
  type: string;
  data: unknown;
  metadata: { actor: Actor; at: string; correlationId: string; causationId: string | null };
}

export function toHistoryEntry(e: RecordedEvent): HistoryEntry {
  return {
    position: e.position, revision: e.revision, type: e.type, data: e.data,
    metadata: { actor: e.metadata.actor, at: e.metadata.recordedAt, correlationId: e.metadata.correlationId, causationId: e.metadata.causationId },
  };
}

const PARTY_BLIND_ROLES = ['auditor', 'admin'];

/** The document the projection will write for this state, built from the stream meanwhile. */
function documentOf(a: ExistingAppointment): AppointmentDoc {
  return {
    id: a.appointmentId, appointmentId: a.appointmentId, patientId: a.patientId, doctorId: a.doctorId, slotId: a.slotId,
    start: a.start, end: a.end, feePaise: a.feePaise, status: a.status,
    holdExpiresAt: a.status === 'pending_payment' ? a.holdExpiresAt : null,
    paymentId: a.payment?.paymentId ?? null, paymentMethod: a.payment?.method ?? null, paidPaise: a.payment?.paidPaise ?? null,
    cancelledBy: null, refund: null,
  };
}

export function appointmentQueries(reads: ReadView, events: EventStore, recordAccess: RecordAccess) {
  /**
   * Bookings answer before the read model has them; a freshly booked appointment is read from its
   * stream until the projection catches up, so the client (and payments) can use it at once.
   */
  async function readThrough(appointmentId: string): Promise<AppointmentDoc | null> {
    const doc = await reads.get<AppointmentDoc>(APPOINTMENTS, appointmentId);
    if (doc) return doc;
    const state = await loadAppointment(events, appointmentId);
    return state.status === 'none' ? null : documentOf(state);
  }

  return {
    /** The read-model document, with no access check (for other contexts). */
    getAppointment: (appointmentId: string): Promise<AppointmentDoc | null> => readThrough(appointmentId),

    /**
     * One appointment as its patient, its doctor or staff see it; anyone else gets 404. A `read`
     * (a request to read it, not a command's answer) is recorded in the patient's access log.
     */
    async viewAppointment(appointmentId: string, actor: Actor, read?: ReadRequest): Promise<AppointmentView> {
      const doc = await readThrough(appointmentId);
      if (!doc || (doc.patientId !== actor.userId && doc.doctorId !== actor.userId && !PARTY_BLIND_ROLES.includes(actor.role))) {
        throw new NotFound('Appointment', appointmentId);
      }
      if (read) await recordAccess({ reader: actor, patientId: doc.patientId, record: { kind: 'appointment', id: appointmentId } }, read);
      return toAppointmentView(doc);
    },

    /** Own appointments: a patient's or a doctor's; staff see everyone's. Soonest first, a page at a time, with the total. */
    async listAppointments(
      actor: Actor,
      q: { status?: AppointmentDoc['status']; from?: string; to?: string; page: number; limit: number },
    ): Promise<{ items: AppointmentView[]; page: number; total: number }> {
      const filter: Filter = {};
      if (actor.role === 'patient') filter.patientId = actor.userId;
      else if (actor.role === 'doctor') filter.doctorId = actor.userId;
      if (q.status) filter.status = q.status;
      if (q.from || q.to) filter.start = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) };
      // Equal start times are ordered by id, so pages neither repeat nor skip an appointment.
      const [docs, total] = await Promise.all([
        reads.find<AppointmentDoc>(APPOINTMENTS, filter, { sort: { start: 1, id: 1 }, skip: (q.page - 1) * q.limit, limit: q.limit }),
        reads.count(APPOINTMENTS, filter),
      ]);
      return { items: docs.map(toAppointmentView), page: q.page, total };
    },

    /** Every event of the appointment's stream, for its parties and for auditors and admins. */
    async history(appointmentId: string, actor: Actor, read: ReadRequest, staff: readonly string[] = PARTY_BLIND_ROLES): Promise<HistoryEntry[]> {
      const stream = await events.readStream(appointmentStream(appointmentId));
      const first = stream[0]?.data as { patientId?: string; doctorId?: string } | undefined;
      if (!first?.patientId || (first.patientId !== actor.userId && first.doctorId !== actor.userId && !staff.includes(actor.role))) {
        throw new NotFound('Appointment', appointmentId);
      }
      await recordAccess({ reader: actor, patientId: first.patientId, record: { kind: 'appointment_history', id: appointmentId } }, read);
      return stream.map(toHistoryEntry);
    },
  };
}
