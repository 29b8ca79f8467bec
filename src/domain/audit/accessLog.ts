import type { Actor } from '../shared/event.js';

/**
 * Who read a patient's records, `access-log-{patientId}`: one RecordAccessed per read by anyone other
 * than the patient. The log only grows; a read is recorded once, which the application ensures by
 * deriving the event id from the request (see application/audit/accessLog.ts). The instant is the
 * event's `recordedAt`: the payload holds no time, so a retried request re-appends the same payload.
 */
export type AccessReason = 'treating_doctor' | 'auditor' | 'admin';

/** The kinds of record whose reads are logged. */
export const accessedKinds = ['report', 'appointment', 'appointment_history', 'appointment_state', 'case_file'] as const;
export type AccessedKind = (typeof accessedKinds)[number];

export interface AccessedRecord {
  kind: AccessedKind;
  id: string;
}

export interface RecordAccessedData {
  patientId: string;
  readerId: string;
  readerRole: Actor['role'];
  reason: AccessReason;
  record: AccessedRecord;
  requestId: string;
}

export type AccessLogEvent = { type: 'RecordAccessed'; data: RecordAccessedData };

export const accessLogStream = (patientId: string): string => `access-log-${patientId}`;

/**
 * Why this reader may read that patient's record, or null when the read is not logged: the patient's
 * own reads, and the system's (reactors, jobs). The caller has already checked access; a doctor who
 * got this far reads as the treating doctor.
 */
export function reasonFor(reader: Actor, patientId: string): AccessReason | null {
  if (reader.userId === patientId) return null;
  switch (reader.role) {
    case 'doctor': return 'treating_doctor';
    case 'auditor': return 'auditor';
    case 'admin': return 'admin';
    case 'patient':
    case 'system':
      return null;
  }
}

export interface RecordAccess {
  reader: Actor;
  patientId: string;
  record: AccessedRecord;
  requestId: string;
}

export function recordAccess(cmd: RecordAccess): AccessLogEvent[] {
  const reason = reasonFor(cmd.reader, cmd.patientId);
  if (!reason) return [];
  return [{
    type: 'RecordAccessed',
    data: {
      patientId: cmd.patientId, readerId: cmd.reader.userId, readerRole: cmd.reader.role, reason,
      record: cmd.record, requestId: cmd.requestId,
    },
  }];
}
