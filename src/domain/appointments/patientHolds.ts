import { Conflict } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';

/**
 * The unpaid holds one patient has taken, `patient-holds-{patientId}`. Every booking claims a place
 * here, in the same command and with the stream's expected revision, before it holds a slot: so the
 * hold limit is one decision over one stream, and holds under any concurrency, on any number of
 * instances.
 */
export type PatientHoldsEvent =
  | { type: 'HoldClaimed'; data: { patientId: string; appointmentId: string; slotId: string; expiresAt: string } }
  /** The slot could not be held after all: the claim gives its place back. */
  | { type: 'HoldClaimWithdrawn'; data: { patientId: string; appointmentId: string } };

export interface HoldClaim { appointmentId: string; slotId: string; expiresAt: string }

/** Claims still in force, oldest first (withdrawn ones are gone). */
export interface PatientHolds { claims: HoldClaim[] }

export const initialPatientHolds: PatientHolds = { claims: [] };

export const patientHoldsStream = (patientId: string): string => `patient-holds-${patientId}`;

/** A patient may keep this many unpaid holds at once. */
export const MAX_LIVE_HOLDS = 3;

export class TooManyHolds extends Conflict {
  constructor() {
    super('too_many_holds', `A patient can hold at most ${MAX_LIVE_HOLDS} unpaid slots at once; pay for or let go of one first.`);
  }
}

export function evolve(state: PatientHolds, event: PatientHoldsEvent): PatientHolds {
  switch (event.type) {
    case 'HoldClaimed': {
      const { appointmentId, slotId, expiresAt } = event.data;
      return { claims: [...state.claims, { appointmentId, slotId, expiresAt }] };
    }
    case 'HoldClaimWithdrawn':
      return { claims: state.claims.filter((c) => c.appointmentId !== event.data.appointmentId) };
  }
}

export const patientHoldsDecider: Decider<PatientHolds, PatientHoldsEvent> = { initialState: initialPatientHolds, evolve };

/** The claims not yet lapsed at `now`: the appointments whose state decides whether they still count. */
export function unlapsedClaims(state: PatientHolds, now: string): HoldClaim[] {
  return state.claims.filter((c) => now < c.expiresAt);
}

export interface ClaimHold {
  patientId: string;
  appointmentId: string;
  slotId: string;
  expiresAt: string;
  now: string;
  /**
   * Appointments among the unlapsed claims that no longer wait for payment (paid, expired,
   * cancelled). Anything else counts, a claim whose booking is still on its way included.
   */
  settled: ReadonlySet<string>;
}

export function claimHold(state: PatientHolds, cmd: ClaimHold): PatientHoldsEvent[] {
  // A retried booking finds its own claim in place.
  if (state.claims.some((c) => c.appointmentId === cmd.appointmentId)) return [];
  const live = unlapsedClaims(state, cmd.now).filter((c) => !cmd.settled.has(c.appointmentId));
  if (live.length >= MAX_LIVE_HOLDS) throw new TooManyHolds();
  const { patientId, appointmentId, slotId, expiresAt } = cmd;
  return [{ type: 'HoldClaimed', data: { patientId, appointmentId, slotId, expiresAt } }];
}

export function withdrawClaim(state: PatientHolds, cmd: { patientId: string; appointmentId: string }): PatientHoldsEvent[] {
  if (!state.claims.some((c) => c.appointmentId === cmd.appointmentId)) return [];
  return [{ type: 'HoldClaimWithdrawn', data: { patientId: cmd.patientId, appointmentId: cmd.appointmentId } }];
}
