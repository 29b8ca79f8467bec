import type { ConsultationEvent, PartyRole } from '../../domain/consultations/consultation.js';
import { consultationEventTypes } from '../../domain/consultations/consultation.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Document } from '../ports/readStore.js';

export const CONSULTATIONS = 'consultations';

export interface ParticipantView {
  userId: string;
  role: PartyRole;
  present: boolean;
  joinedAt: string;
  leftAt: string | null;
}

export interface ConsultationDoc extends Document {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  status: 'active' | 'ended';
  participants: ParticipantView[];
  openedAt: string;
  endedAt: string | null;
  endedBy: 'doctor' | 'timeout' | null;
}

/** One document per appointment whose room was opened: who is in it, who has been, and whether it ended. */
export const consultationsProjection: Projection = {
  name: 'consultations',
  collections: [{ name: CONSULTATIONS, indexes: [{ fields: ['status'] }] }],
  handles: consultationEventTypes,
  apply: async (recorded, read) => {
    const event = { type: recorded.type, data: recorded.data } as ConsultationEvent;
    const id = event.data.appointmentId;
    if (event.type === 'ConsultationRoomOpened') {
      const { patientId, doctorId, at } = event.data;
      return [{
        collection: CONSULTATIONS, id,
        set: { appointmentId: id, patientId, doctorId, status: 'active', participants: [], openedAt: at, endedAt: null, endedBy: null },
      }];
    }
    const doc = await read.get<ConsultationDoc>(CONSULTATIONS, id);
    if (!doc) return [];
    const participants = doc.participants;
    switch (event.type) {
      case 'ParticipantJoined': {
        const { userId, role, at } = event.data;
        const joined: ParticipantView = { userId, role, present: true, joinedAt: at, leftAt: null };
        const next = participants.some((p) => p.userId === userId)
          ? participants.map((p) => (p.userId === userId ? joined : p))
          : [...participants, joined];
        return [{ collection: CONSULTATIONS, id, set: { participants: next } }];
      }
      case 'ParticipantLeft': {
        const { userId, at } = event.data;
        const next = participants.map((p) => (p.userId === userId ? { ...p, present: false, leftAt: at } : p));
        return [{ collection: CONSULTATIONS, id, set: { participants: next } }];
      }
      case 'ConsultationEnded': {
        const { at, by } = event.data;
        const next = participants.map((p) => (p.present ? { ...p, present: false, leftAt: at } : p));
        return [{ collection: CONSULTATIONS, id, set: { status: 'ended', endedAt: at, endedBy: by, participants: next } }];
      }
    }
  },
};
