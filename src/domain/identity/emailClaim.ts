import type { Decider } from '../shared/event.js';
import { Conflict } from '../shared/errors.js';

/**
 * One stream per normalised e-mail address. Claiming it with "no stream" expected makes the address
 * unique across accounts even under simultaneous sign-ups: exactly one claim can create the stream.
 */
export type EmailClaimEvent = { type: 'EmailClaimed'; data: { email: string; userId: string } };

export type EmailClaim = { status: 'free' } | { status: 'claimed'; userId: string };

export const initialEmailClaim: EmailClaim = { status: 'free' };

export class EmailTaken extends Conflict {
  constructor() { super('email_taken', 'An account with this e-mail address already exists.'); }
}

export function evolveEmailClaim(_claim: EmailClaim, event: EmailClaimEvent): EmailClaim {
  return { status: 'claimed', userId: event.data.userId };
}

export const emailClaimDecider: Decider<EmailClaim, EmailClaimEvent> = { initialState: initialEmailClaim, evolve: evolveEmailClaim };

export function claimEmail(claim: EmailClaim, cmd: { email: string; userId: string }): EmailClaimEvent[] {
  if (claim.status === 'claimed') throw new EmailTaken();
  return [{ type: 'EmailClaimed', data: { email: cmd.email, userId: cmd.userId } }];
}

/** Trimmed and lower-cased: the form in which addresses are compared, claimed and stored. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
