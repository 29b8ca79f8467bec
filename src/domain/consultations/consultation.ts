import { Conflict, DomainError, Forbidden, NotFound } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';

/** Who may be in a consultation room: the appointment's two parties. */
export type PartyRole = 'patient' | 'doctor';

export type ConsultationEvent =
  | { type: 'ConsultationRoomOpened'; data: { appointmentId: string; patientId: string; doctorId: string; at: string } }
  | { type: 'ParticipantJoined'; data: { appointmentId: string; userId: string; role: PartyRole; at: string } }
  | { type: 'ParticipantLeft'; data: { appointmentId: string; userId: string; role: PartyRole; at: string } }
  | { type: 'ConsultationEnded'; data: { appointmentId: string; by: 'doctor' | 'timeout'; at: string } };

export const consultationEventTypes = ['ConsultationRoomOpened', 'ParticipantJoined', 'ParticipantLeft', 'ConsultationEnded'] as const;

export type Consultation =
  | { status: 'idle' }
  | {
    status: 'active' | 'ended';
    appointmentId: string;
    patientId: string;
    doctorId: string;
    /** Parties in the room now. */
    present: PartyRole[];
    /** Parties who have been in the room at least once. */
    seen: PartyRole[];
    /** When the room last became empty, or null while someone is in it. */
    emptySince: string | null;
  };

export const initialConsultation: Consultation = { status: 'idle' };

/** The part of an appointment the join rule looks at (from the booking context's read model). */
export interface AppointmentSnapshot {
  id: string;
  patientId: string;
  doctorId: string;
  status: string;
  start: string;
  end: string;
}

/** The room opens 15 minutes before the start and stays joinable until 30 minutes after the end. */
export const JOIN_OPENS_BEFORE_START_MS = 15 * 60_000;
export const JOIN_CLOSES_AFTER_END_MS = 30 * 60_000;
/** Both parties gone this long ends the consultation. */
export const IDLE_END_AFTER_MS = 10 * 60_000;

export class NotAParty extends DomainError {
  constructor(appointmentId: string) {
    // Same answer as a missing appointment: strangers learn nothing about who has appointments.
    super('not_found', 'appointment_not_found', `Appointment ${appointmentId} was not found`);
  }
}

export class AppointmentNotConfirmed extends Conflict {
  constructor(status: string) {
    super('appointment_not_confirmed', `Only a confirmed appointment can be joined; this one is ${status}.`);
  }
}

export class OutsideJoinWindow extends Conflict {
  constructor(opensAt: string, closesAt: string) {
    super('outside_join_window', `The room is open from ${opensAt} to ${closesAt}.`, { opensAt, closesAt });
  }
}

export class ConsultationAlreadyEnded extends Conflict {
  constructor() {
    super('consultation_ended', 'This consultation has ended.');
  }
}

export class OnlyDoctorEnds extends Forbidden {
  constructor() {
    super('only_doctor_ends', 'Only the appointment\'s doctor can end the consultation.');
  }
}

/** When the room of an appointment can be joined (if it is confirmed). */
export function joinWindow(appointment: { start: string; end: string }): { opensAt: string; closesAt: string } {
  return {
    opensAt: new Date(Date.parse(appointment.start) - JOIN_OPENS_BEFORE_START_MS).toISOString(),
    closesAt: new Date(Date.parse(appointment.end) + JOIN_CLOSES_AFTER_END_MS).toISOString(),
  };
}

/**
 * The join rule: only the appointment's patient or doctor, only when it is confirmed, from 15 minutes
 * before its start to 30 minutes after its end. Answers the joiner's role in the consultation.
 */
export function mayJoin(appointment: AppointmentSnapshot | null, appointmentId: string, userId: string, now: string): PartyRole {
  if (!appointment) throw new NotFound('Appointment', appointmentId);
  const role: PartyRole | null = appointment.patientId === userId ? 'patient' : appointment.doctorId === userId ? 'doctor' : null;
  if (!role) throw new NotAParty(appointmentId);
  if (appointment.status !== 'confirmed') throw new AppointmentNotConfirmed(appointment.status);
  const { opensAt, closesAt } = joinWindow(appointment);
  const at = Date.parse(now);
  if (at < Date.parse(opensAt) || at > Date.parse(closesAt)) throw new OutsideJoinWindow(opensAt, closesAt);
  return role;
}

export interface JoinConsultation {
  appointment: AppointmentSnapshot | null;
  appointmentId: string;
  userId: string;
  now: string;
}

/** A party already in the room (another tab) joins again without a new event. */
export function joinConsultation(state: Consultation, cmd: JoinConsultation): ConsultationEvent[] {
  if (state.status === 'ended') throw new ConsultationAlreadyEnded();
  const role = mayJoin(cmd.appointment, cmd.appointmentId, cmd.userId, cmd.now);
  if (state.status === 'active' && state.present.includes(role)) return [];
  const joined: ConsultationEvent = { type: 'ParticipantJoined', data: { appointmentId: cmd.appointmentId, userId: cmd.userId, role, at: cmd.now } };
  if (state.status === 'active') return [joined];
  const { patientId, doctorId } = cmd.appointment as AppointmentSnapshot;
  return [{ type: 'ConsultationRoomOpened', data: { appointmentId: cmd.appointmentId, patientId, doctorId, at: cmd.now } }, joined];
}

export interface LeaveConsultation {
  userId: string;
  now: string;
}

/** Leaving a room one is not in is a no-op (a disconnect after the consultation ended, say). */
export function leaveConsultation(state: Consultation, cmd: LeaveConsultation): ConsultationEvent[] {
  if (state.status !== 'active') return [];
  const role = roleOf(state, cmd.userId);
  if (!role || !state.present.includes(role)) return [];
  return [{ type: 'ParticipantLeft', data: { appointmentId: state.appointmentId, userId: cmd.userId, role, at: cmd.now } }];
}

export interface EndConsultation {
  userId: string;
  now: string;
}

export function endConsultationByDoctor(state: Consultation, cmd: EndConsultation): ConsultationEvent[] {
  if (state.status === 'idle') throw new DomainError('conflict', 'consultation_not_started', 'Nobody has joined this consultation yet.');
  if (state.patientId === cmd.userId) throw new OnlyDoctorEnds();
  if (state.doctorId !== cmd.userId) throw new NotAParty(state.appointmentId);
  if (state.status === 'ended') return [];
  return [{ type: 'ConsultationEnded', data: { appointmentId: state.appointmentId, by: 'doctor', at: cmd.now } }];
}

/** Whether the room is empty after both parties have been in it — when the idle timer starts. */
export function bothLeft(state: Consultation): boolean {
  return state.status === 'active' && state.present.length === 0 && state.seen.length === 2;
}

/** The idle timer's decision: ends only if both are still gone and have been for the whole period. */
export function endIdleConsultation(state: Consultation, cmd: { now: string }): ConsultationEvent[] {
  if (state.status !== 'active' || !bothLeft(state) || state.emptySince === null) return [];
  if (Date.parse(cmd.now) - Date.parse(state.emptySince) < IDLE_END_AFTER_MS) return [];
  return [{ type: 'ConsultationEnded', data: { appointmentId: state.appointmentId, by: 'timeout', at: cmd.now } }];
}

export function roleOf(state: Consultation, userId: string): PartyRole | null {
  if (state.status === 'idle') return null;
  return state.patientId === userId ? 'patient' : state.doctorId === userId ? 'doctor' : null;
}

export function evolve(state: Consultation, event: ConsultationEvent): Consultation {
  switch (event.type) {
    case 'ConsultationRoomOpened':
      return {
        status: 'active', appointmentId: event.data.appointmentId, patientId: event.data.patientId, doctorId: event.data.doctorId,
        present: [], seen: [], emptySince: event.data.at,
      };
    case 'ParticipantJoined':
      if (state.status === 'idle') return state;
      return {
        ...state,
        present: [...state.present.filter((r) => r !== event.data.role), event.data.role],
        seen: state.seen.includes(event.data.role) ? state.seen : [...state.seen, event.data.role],
        emptySince: null,
      };
    case 'ParticipantLeft': {
      if (state.status === 'idle') return state;
      const present = state.present.filter((r) => r !== event.data.role);
      return { ...state, present, emptySince: present.length === 0 ? event.data.at : null };
    }
    case 'ConsultationEnded':
      if (state.status === 'idle') return state;
      return { ...state, status: 'ended', present: [] };
  }
}

/**
 * Every reconnect is a leave and a join, so a long or flaky call grows its stream: commands fold from
 * a snapshot. The state is plain JSON with no sealed personal field. Bump `schema` whenever
 * `Consultation` or `evolve` changes.
 */
export const consultationDecider: Decider<Consultation, ConsultationEvent> = {
  initialState: initialConsultation, evolve, snapshot: { every: 100, schema: 1 },
};

export const consultationStream = (appointmentId: string): string => `consultation-${appointmentId}`;
