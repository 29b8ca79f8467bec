import { localDate, localDayRange } from '../../domain/appointments/agendaDay.js';
import { joinWindow } from '../../domain/consultations/consultation.js';
import type { Actor } from '../../domain/shared/event.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Clock } from '../ports/clock.js';
import { accessTo } from '../reports/reportAccess.js';
import { APPOINTMENTS, type AppointmentDoc } from './appointments.projection.js';
import { DEFAULT_PATIENT_TIMEZONE } from './bookingMail.reactor.js';
import type { PartyDoc } from './calendarEvents.js';

/** Booked appointments only: an unpaid hold or one that lapsed is no one's appointment yet. */
const ON_THE_AGENDA = ['confirmed', 'completed', 'missed', 'cancelled'];

export interface AgendaItem {
  appointmentId: string;
  patientId: string;
  patientName: string;
  start: string;
  end: string;
  status: AppointmentDoc['status'];
  /** The patient has reports this doctor may open (a doctor treating the patient sees them all). */
  sharedReports: boolean;
  sharedReportCount: number;
  joinWindow: { opensAt: string; closesAt: string };
  /** Confirmed and inside the join window now. */
  joinableNow: boolean;
}

export interface DoctorAgenda {
  date: string;
  timezone: string;
  from: string;
  to: string;
  items: AgendaItem[];
}

/** A doctor's day in the doctor's own time zone (today there unless a date is asked for). */
export function doctorAgenda(deps: { reads: ReadView; clock: Clock }) {
  return async (actor: Actor, q: { date?: string }): Promise<DoctorAgenda> => {
    const now = deps.clock.now().toISOString();
    const doctor = await deps.reads.get<PartyDoc>('users', actor.userId);
    const timezone = doctor?.timezone || DEFAULT_PATIENT_TIMEZONE;
    const date = q.date ?? localDate(now, timezone);
    const { from, to } = localDayRange(date, timezone);
    const docs = await deps.reads.find<AppointmentDoc>(APPOINTMENTS, {
      doctorId: actor.userId, status: { $in: ON_THE_AGENDA }, start: { $gte: from, $lt: to },
    }, { sort: { start: 1 } });
    const patientIds = [...new Set(docs.map((d) => d.patientId))];
    const patients = new Map(await Promise.all(patientIds.map(async (id) => {
      const [user, access, reports] = await Promise.all([
        deps.reads.get<PartyDoc>('users', id),
        accessTo(deps.reads, actor, { patientId: id }),
        deps.reads.count('reports', { patientId: id }),
      ]);
      return [id, { name: user?.name ?? 'Unknown patient', reports: access === 'treating_doctor' ? reports : 0 }] as const;
    })));
    const items = docs.map((doc): AgendaItem => {
      const patient = patients.get(doc.patientId)!;
      const window = joinWindow(doc);
      return {
        appointmentId: doc.appointmentId, patientId: doc.patientId, patientName: patient.name,
        start: doc.start, end: doc.end, status: doc.status,
        sharedReports: patient.reports > 0, sharedReportCount: patient.reports,
        joinWindow: window,
        joinableNow: doc.status === 'confirmed' && now >= window.opensAt && now <= window.closesAt,
      };
    });
    return { date, timezone, from, to, items };
  };
}
