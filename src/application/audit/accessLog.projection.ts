import type { RecordAccessedData } from '../../domain/audit/accessLog.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { Document, Write } from '../ports/readStore.js';

export const ACCESS_LOG = 'access_log';

/** One read of a patient's record, as the patient and auditors list them. */
export interface AccessLogDoc extends Document, RecordAccessedData {
  at: string;
  position: number;
}

/** Every RecordAccessed, listable by patient, by reader, or all, in the order they were recorded. */
export const accessLogProjection: Projection = {
  name: 'access-log',
  collections: [{ name: ACCESS_LOG, indexes: [{ fields: ['patientId', 'position'] }, { fields: ['readerId', 'position'] }, { fields: ['position'] }] }],
  handles: ['RecordAccessed'],
  apply(event: RecordedEvent): Write[] {
    const data = event.data as RecordAccessedData;
    return [{
      collection: ACCESS_LOG,
      id: event.metadata.eventId,
      set: {
        patientId: data.patientId, readerId: data.readerId, readerRole: data.readerRole, reason: data.reason,
        record: data.record, requestId: data.requestId, at: event.metadata.recordedAt, position: event.position,
      },
    }];
  },
};
