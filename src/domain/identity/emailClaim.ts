import type { Decider } from '../shared/event.js';
import { Conflict } from '../shared/errors.js';

/**
 * One stream per normalised e-mail address. Claiming it with "no stream" expected makes the address
 * unique across accounts even under simultaneous sign-ups: exactly one claim can create the stream.
 */
export type EmailClaimEvent =
  | { type: 'EmailClaimed'; data: { email: string; userId: string } }
  /** The account's personal data was erased: the address is free for a new account. */
  | { type: 'EmailClaimReleased'; data: { userId: string } };

export type EmailClaim = { status: 'free' } | { status: 'claimed'; userId: string };

export const initialEmailClaim: EmailClaim = { status: 'free' };

export class EmailTaken extends Conflict {
  constructor() { super('email_taken', 'An account with this e-mail address already exists.'); }
}

export function evolveEmailClaim(_claim: EmailClaim, event: EmailClaimEvent): EmailClaim {
  return event.type === 'EmailClaimed' ? { status: 'claimed', userId: event.data.userId } : { status: 'free' };
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

/** Only the account holding the claim releases it; anything else (already free, someone else's) is a no-op. */
export function releaseEmailClaim(claim: EmailClaim, cmd: { userId: string }): EmailClaimEvent[] {
  if (claim.status !== 'claimed' || claim.userId !== cmd.userId) return [];
  return [{ type: 'EmailClaimReleased', data: { userId: cmd.userId } }];
}
