import { describe, expect, it } from '@jest/globals';
import { recordAccess, type AccessedRecord } from '../../../src/domain/audit/accessLog.js';
import type { Actor } from '../../../src/domain/shared/event.js';

const patientId = 'patient-1';
const report: AccessedRecord = { kind: 'report', id: 'report-1' };
const read = (reader: Actor) => recordAccess({ reader, patientId, record: report, requestId: 'req-1' });
const accessed = (reader: Actor, reason: string) => [{
  type: 'RecordAccessed', data: { patientId, readerId: reader.userId, readerRole: reader.role, reason, record: report, requestId: 'req-1' },
}];

describe('recording a read of a patient\'s record', () => {
  const doctor: Actor = { userId: 'doctor-1', role: 'doctor' };
  const auditor: Actor = { userId: 'auditor-1', role: 'auditor' };
  const admin: Actor = { userId: 'admin-1', role: 'admin' };

  it.each([
    ['a doctor (who got past the access check)', doctor, 'treating_doctor'],
    ['an auditor', auditor, 'auditor'],
    ['an admin', admin, 'admin'],
  ])('%s is recorded with why', (_, reader, reason) => expect(read(reader)).toEqual(accessed(reader, reason)));

  it.each([
    ['the patient themself', { userId: patientId, role: 'patient' } as Actor],
    ['the system (reactors, jobs)', { userId: 'system', role: 'system' } as Actor],
  ])('%s is not recorded', (_, reader) => expect(read(reader)).toEqual([]));
});
