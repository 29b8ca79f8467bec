import type { AppointmentView } from '../appointments/appointmentQueries.js';

/** What a signed-in party's open connections are told as their appointment or payment changes. */
export type LiveUpdate =
  | { event: 'appointment-updated'; payload: AppointmentView & { change: string; position: number } }
  | { event: 'payment-updated'; payload: {
    paymentId: string; appointmentId: string | null; purpose: 'appointment' | 'topup'; method: string; status: string;
    amountPaise: number; capturedPaise: number; refundedPaise: number; change: string; position: number;
  } };

/**
 * Pushes updates to users' open connections. Each instance tells the connections it holds itself,
 * so an update reaches every connection once however many instances run.
 */
export interface LiveUpdates {
  toUsers(userIds: readonly string[], update: LiveUpdate): void;
}
