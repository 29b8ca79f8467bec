import { createHash } from 'node:crypto';
import { fold } from '../../domain/shared/event.js';
import { emailClaimDecider, normaliseEmail, type EmailClaimEvent } from '../../domain/identity/emailClaim.js';
import { userDecider, type RegisteredUser, type UserEvent } from '../../domain/identity/user.js';
import type { EventStore } from '../ports/eventStore.js';

export const userStream = (userId: string): string => `user-${userId}`;

/** The address is hashed so the stream name carries no personal data into logs and URLs. */
export const emailStream = (email: string): string =>
  `email-${createHash('sha256').update(normaliseEmail(email)).digest('hex')}`;

export interface LoadedAccount {
  user: RegisteredUser;
  /** Position of the account's last event, for read-your-writes. */
  position: number;
}

/**
 * Finds an account by e-mail from the streams themselves (claim → user), so sign-in works the moment
 * sign-up answered, without waiting for a read model.
 */
export async function loadAccountByEmail(events: EventStore, email: string): Promise<LoadedAccount | null> {
  const claim = fold(emailClaimDecider, (await events.readStream(emailStream(email))) as unknown as EmailClaimEvent[]);
  if (claim.status !== 'claimed') return null;
  const history = await events.readStream(userStream(claim.userId));
  const user = fold(userDecider, history as unknown as UserEvent[]);
  if (user.status !== 'registered') return null;
  return { user, position: history[history.length - 1].position };
}
