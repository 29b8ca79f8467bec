import type { AppointmentEvent, AppointmentRequestedData } from '../../domain/appointments/appointment.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Write } from '../ports/readStore.js';

export const APPOINTMENTS = 'appointments';

export interface AppointmentDoc extends Omit<AppointmentRequestedData, 'holdExpiresAt'> {
  id: string;
  status: 'pending_payment' | 'confirmed' | 'expired' | 'cancelled' | 'completed' | 'missed';
  /** Set while unpaid; null once confirmed. */
  holdExpiresAt: string | null;
  paymentId: string | null;
  paymentMethod: 'razorpay' | 'wallet' | 'hybrid' | null;
  paidPaise: number | null;
  cancelledBy: 'patient' | 'doctor' | 'admin' | null;
  refund: { amountPaise: number; destination: 'wallet' | 'source'; paymentId: string } | null;
  [field: string]: unknown;
}

/** Appointments by patient and by doctor (the `appointments` collection other contexts read). */
export const appointmentsProjection: Projection = {
  name: 'appointments',
  collections: [{ name: APPOINTMENTS, indexes: [{ fields: ['patientId', 'start'] }, { fields: ['doctorId', 'start'] }, { fields: ['status'] }, { fields: ['patientId', 'status'] }] }],
  handles: [
    'AppointmentRequested', 'AppointmentConfirmed', 'AppointmentExpired', 'AppointmentRescheduled',
    'AppointmentCancelled', 'AppointmentCompleted', 'AppointmentMissed',
  ],
  apply: (recorded): Write[] => {
    const event = { type: recorded.type, data: recorded.data } as AppointmentEvent;
    const id = event.data.appointmentId;
    const set = (fields: Partial<AppointmentDoc>): Write[] => [{ collection: APPOINTMENTS, id, set: fields }];
    switch (event.type) {
      case 'AppointmentRequested':
        return set({
          ...event.data, status: 'pending_payment', paymentId: null, paymentMethod: null, paidPaise: null, cancelledBy: null, refund: null,
        });
      case 'AppointmentConfirmed':
        return set({ status: 'confirmed', holdExpiresAt: null, paymentId: event.data.paymentId, paymentMethod: event.data.method, paidPaise: event.data.paidPaise });
      case 'AppointmentExpired':
        return set({ status: 'expired', holdExpiresAt: null });
      case 'AppointmentRescheduled':
        return set({ slotId: event.data.toSlotId, start: event.data.start, end: event.data.end });
      case 'AppointmentCancelled':
        return set({ status: 'cancelled', holdExpiresAt: null, cancelledBy: event.data.by, refund: event.data.refund });
      case 'AppointmentCompleted':
        return set({ status: 'completed' });
      case 'AppointmentMissed':
        return set({ status: 'missed' });
    }
  },
};
