import type { Actor, Decider } from '../shared/event.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../shared/errors.js';
import { refundAmount, type CancelledBy } from './refundPolicy.js';

/** One booking's life, `appointment-{id}`. Its status only moves forward. */
export type AppointmentStatus = 'pending_payment' | 'confirmed' | 'expired' | 'cancelled' | 'completed' | 'missed';
export type PaymentMethod = 'razorpay' | 'wallet' | 'hybrid';

export interface Refund {
  amountPaise: number;
  destination: 'wallet' | 'source';
  paymentId: string;
}

export interface AppointmentRequestedData {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  slotId: string;
  start: string;
  end: string;
  feePaise: number;
  holdExpiresAt: string;
}

export type AppointmentEvent =
  | { type: 'AppointmentRequested'; data: AppointmentRequestedData }
  | { type: 'AppointmentConfirmed'; data: { appointmentId: string; paymentId: string; method: PaymentMethod; paidPaise: number } }
  | { type: 'AppointmentExpired'; data: { appointmentId: string; slotId: string } }
  | {
    type: 'AppointmentRescheduled';
    data: { appointmentId: string; fromSlotId: string; toSlotId: string; previousStart: string; previousEnd: string; start: string; end: string };
  }
  | { type: 'AppointmentCancelled'; data: { appointmentId: string; by: CancelledBy; reason: string; refund: Refund | null } }
  | { type: 'AppointmentCompleted'; data: { appointmentId: string } }
  | { type: 'AppointmentMissed'; data: { appointmentId: string } };

export interface Payment {
  paymentId: string;
  method: PaymentMethod;
  paidPaise: number;
}

export type Appointment =
  | { status: 'none' }
  | (Omit<AppointmentRequestedData, 'appointmentId'> & { status: AppointmentStatus; appointmentId: string; payment: Payment | null });

export type ExistingAppointment = Exclude<Appointment, { status: 'none' }>;

export const initialAppointment: Appointment = { status: 'none' };

export const appointmentStream = (appointmentId: string): string => `appointment-${appointmentId}`;

export function evolve(state: Appointment, event: AppointmentEvent): Appointment {
  if (event.type === 'AppointmentRequested') return { ...event.data, status: 'pending_payment', payment: null };
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'AppointmentConfirmed':
      return { ...state, status: 'confirmed', payment: { paymentId: event.data.paymentId, method: event.data.method, paidPaise: event.data.paidPaise } };
    case 'AppointmentExpired':
      return { ...state, status: 'expired' };
    case 'AppointmentRescheduled':
      return { ...state, slotId: event.data.toSlotId, start: event.data.start, end: event.data.end };
    case 'AppointmentCancelled':
      return { ...state, status: 'cancelled' };
    case 'AppointmentCompleted':
      return { ...state, status: 'completed' };
    case 'AppointmentMissed':
      return { ...state, status: 'missed' };
  }
}

export const appointmentDecider: Decider<Appointment, AppointmentEvent> = { initialState: initialAppointment, evolve };

/** Changes to an appointment are made at least this long before it starts (reschedule, patient cancel). */
export const CHANGE_NOTICE_MS = 2 * 60 * 60_000;

export class AppointmentClosed extends Conflict {
  constructor(appointmentId: string, status: string) {
    super('appointment_not_changeable', `Appointment ${appointmentId} is ${status} and cannot change that way.`);
  }
}

export class TooLateToChange extends Conflict {
  constructor(what: string) {
    super('too_late', `An appointment can be ${what} only up to 2 hours before it starts.`);
  }
}

function existing(state: Appointment, appointmentId: string): ExistingAppointment {
  if (state.status === 'none') throw new NotFound('Appointment', appointmentId);
  return state;
}

export function partyOf(state: ExistingAppointment, actor: Actor): 'patient' | 'doctor' | null {
  if (actor.userId === state.patientId) return 'patient';
  if (actor.userId === state.doctorId) return 'doctor';
  return null;
}

export function requestAppointment(state: Appointment, cmd: AppointmentRequestedData): AppointmentEvent[] {
  // A retried command finds its own request in place.
  if (state.status !== 'none' && state.slotId === cmd.slotId && state.patientId === cmd.patientId) return [];
  if (state.status !== 'none') throw new Conflict('appointment_exists', `Appointment ${cmd.appointmentId} already exists.`);
  return [{ type: 'AppointmentRequested', data: cmd }];
}

/** Payment captured: the same payment confirming twice is a no-op; anything else is refused. */
export function confirmAppointment(state: Appointment, cmd: Payment & { appointmentId: string }): AppointmentEvent[] {
  const a = existing(state, cmd.appointmentId);
  if (a.status === 'confirmed' && a.payment?.paymentId === cmd.paymentId) return [];
  if (a.status !== 'pending_payment') throw new AppointmentClosed(cmd.appointmentId, a.status);
  if (!Number.isSafeInteger(cmd.paidPaise) || cmd.paidPaise < 0) throw new Invalid('invalid_amount', 'paidPaise must be a whole amount in paise.');
  const { appointmentId, paymentId, method, paidPaise } = cmd;
  return [{ type: 'AppointmentConfirmed', data: { appointmentId, paymentId, method, paidPaise } }];
}

/** The hold ran out unpaid; an appointment that moved on is left alone. */
export function expireAppointment(state: Appointment, cmd: { appointmentId: string }): AppointmentEvent[] {
  if (state.status !== 'pending_payment') return [];
  return [{ type: 'AppointmentExpired', data: { appointmentId: cmd.appointmentId, slotId: state.slotId } }];
}

export interface Reschedule {
  appointmentId: string;
  actor: Actor;
  now: string;
  newSlot: { slotId: string; doctorId: string; start: string; end: string };
}

export function rescheduleAppointment(state: Appointment, cmd: Reschedule): AppointmentEvent[] {
  const a = existing(state, cmd.appointmentId);
  if (!partyOf(a, cmd.actor) && cmd.actor.role !== 'admin') throw new Forbidden('not_a_party', 'Only the appointment\'s patient or doctor can reschedule it.');
  if (a.status !== 'confirmed') throw new AppointmentClosed(cmd.appointmentId, a.status);
  if (cmd.newSlot.slotId === a.slotId) throw new Invalid('same_slot', 'The appointment is already in that slot.');
  if (cmd.newSlot.doctorId !== a.doctorId) throw new Invalid('other_doctor', 'An appointment can only move to a slot of the same doctor.');
  if (Date.parse(a.start) - Date.parse(cmd.now) < CHANGE_NOTICE_MS) throw new TooLateToChange('rescheduled');
  return [{
    type: 'AppointmentRescheduled',
    data: {
      appointmentId: cmd.appointmentId, fromSlotId: a.slotId, toSlotId: cmd.newSlot.slotId,
      previousStart: a.start, previousEnd: a.end, start: cmd.newSlot.start, end: cmd.newSlot.end,
    },
  }];
}

export interface Cancel {
  appointmentId: string;
  actor: Actor;
  reason: string;
  now: string;
}

/**
 * Patients cancel up to 2 hours ahead, doctors and admins at any time before it is over. What was paid
 * comes back per the refund policy, to the wallet if the wallet paid it all, else to the source.
 */
export function cancelAppointment(state: Appointment, cmd: Cancel): AppointmentEvent[] {
  const a = existing(state, cmd.appointmentId);
  const party = partyOf(a, cmd.actor);
  const by: CancelledBy | null = party ?? (cmd.actor.role === 'admin' ? 'admin' : null);
  if (!by) throw new Forbidden('not_a_party', 'Only the appointment\'s patient or doctor can cancel it.');
  if (a.status !== 'confirmed' && a.status !== 'pending_payment') throw new AppointmentClosed(cmd.appointmentId, a.status);
  if (by === 'patient' && Date.parse(a.start) - Date.parse(cmd.now) < CHANGE_NOTICE_MS) throw new TooLateToChange('cancelled by the patient');
  const refund: Refund | null = a.payment && a.payment.paidPaise > 0
    ? {
      amountPaise: refundAmount({ paidPaise: a.payment.paidPaise, by, start: a.start, now: cmd.now }),
      destination: a.payment.method === 'wallet' ? 'wallet' : 'source',
      paymentId: a.payment.paymentId,
    }
    : null;
  return [{ type: 'AppointmentCancelled', data: { appointmentId: cmd.appointmentId, by, reason: cmd.reason, refund } }];
}

function concludeAs(type: 'AppointmentCompleted' | 'AppointmentMissed') {
  return (state: Appointment, cmd: { appointmentId: string; actor: Actor; now: string }): AppointmentEvent[] => {
    const a = existing(state, cmd.appointmentId);
    if (partyOf(a, cmd.actor) !== 'doctor') throw new Forbidden('not_the_doctor', 'Only the appointment\'s doctor can record how it went.');
    if (a.status !== 'confirmed') throw new AppointmentClosed(cmd.appointmentId, a.status);
    if (Date.parse(cmd.now) < Date.parse(a.start)) throw new Conflict('not_started', 'The appointment has not started yet.');
    return [{ type, data: { appointmentId: cmd.appointmentId } }];
  };
}

export const completeAppointment = concludeAs('AppointmentCompleted');
/** The patient did not come: `missed`, and nothing is refunded. */
export const markNoShow = concludeAs('AppointmentMissed');
