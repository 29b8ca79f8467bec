import type { Actor } from '../../domain/shared/event.js';
import type { ReadView } from '../eventSourcing/projection.js';

/** The booking context's read model (`{ patientId, doctorId, status }`), read here, never written. */
const APPOINTMENTS = 'appointments';
const TREATING = ['confirmed', 'completed'];

/**
 * Who sees what of a report: its patient everything; a doctor with a confirmed or completed
 * appointment with that patient everything, read-only; auditors metadata only; anyone else nothing
 * (answered as "not found", so the report's existence does not leak).
 */
export type ReportAccess = 'owner' | 'treating_doctor' | 'metadata' | 'none';

export async function accessTo(reads: ReadView, actor: Actor, report: { patientId: string }): Promise<ReportAccess> {
  if (actor.role === 'patient') return actor.userId === report.patientId ? 'owner' : 'none';
  if (actor.role === 'auditor') return 'metadata';
  if (actor.role === 'doctor') {
    const treating = await reads.count(APPOINTMENTS, { patientId: report.patientId, doctorId: actor.userId, status: { $in: TREATING } });
    return treating > 0 ? 'treating_doctor' : 'none';
  }
  return 'none';
}

/** The patients a doctor treats (confirmed or completed appointments). */
export async function patientsOf(reads: ReadView, doctorId: string): Promise<string[]> {
  const appointments = await reads.find(APPOINTMENTS, { doctorId, status: { $in: TREATING } });
  return [...new Set(appointments.map((a) => String(a.patientId)))];
}
