import { createHash, createHmac } from 'node:crypto';
import { fold } from '../../domain/shared/event.js';
import { emailClaimDecider, normaliseEmail, type EmailClaim, type EmailClaimEvent } from '../../domain/identity/emailClaim.js';
import { userDecider, type RegisteredUser } from '../../domain/identity/user.js';
import { loadStream, type SnapshotDeps } from '../eventSourcing/snapshots.js';
import type { EventStore } from '../ports/eventStore.js';

export const userStream = (userId: string): string => `user-${userId}`;

/**
 * Claim streams are named by a keyed hash (HMAC-SHA256 under a secret the key store keeps) of the
 * normalised address: the name carries no personal data into logs and URLs, and, unlike a plain hash,
 * cannot be matched against guessed addresses by someone holding only the database, so an erased
 * person's claim stream does not give them away.
 */
export const emailStream = (lookupKey: Buffer, email: string): string =>
  `email-${createHmac('sha256', lookupKey).update(normaliseEmail(email)).digest('hex')}`;

/** How claims were named before keyed names: still honoured for the accounts made then. */
export const legacyEmailStream = (email: string): string =>
  `email-${createHash('sha256').update(normaliseEmail(email)).digest('hex')}`;

/** The owner id under which the key store keeps the claim streams' key (no user id looks like it). */
export const EMAIL_LOOKUP_KEY_OWNER = 'system:email-lookup';

export interface EmailLookup {
  handler: SnapshotDeps;
  /** The secret naming claim streams; the same for the life of the store. */
  emailLookupKey(): Promise<Buffer>;
}

export interface FoundClaim {
  /** Where the address's claim lives; for a free address, where a new claim goes. */
  streamId: string;
  claim: EmailClaim;
}

async function claimIn(events: EventStore, streamId: string): Promise<EmailClaim> {
  return fold(emailClaimDecider, (await events.readStream(streamId)) as unknown as EmailClaimEvent[]);
}

/**
 * The address's claim: the keyed stream's, else a legacy one's. New claims only ever go to keyed
 * streams, so a legacy claim can only be released, never made: checking it before claiming the keyed
 * stream keeps addresses unique across both namings.
 */
export async function findEmailClaim(deps: EmailLookup, email: string): Promise<FoundClaim> {
  const streamId = emailStream(await deps.emailLookupKey(), email);
  const claim = await claimIn(deps.handler.events, streamId);
  if (claim.status === 'claimed') return { streamId, claim };
  const legacy = legacyEmailStream(email);
  const legacyClaim = await claimIn(deps.handler.events, legacy);
  return legacyClaim.status === 'claimed' ? { streamId: legacy, claim: legacyClaim } : { streamId, claim };
}

export interface LoadedAccount {
  user: RegisteredUser;
  /** Position of the account's last event, for read-your-writes. */
  position: number;
}

/**
 * Finds an account by e-mail from the streams themselves (claim → user), so sign-in works the moment
 * sign-up answered, without waiting for a read model. An erased account is found by nobody.
 */
export async function loadAccountByEmail(deps: EmailLookup, email: string): Promise<LoadedAccount | null> {
  const { claim } = await findEmailClaim(deps, email);
  if (claim.status !== 'claimed') return null;
  const { state: user, history } = await loadStream(deps.handler, userStream(claim.userId), userDecider, false);
  if (user.status !== 'registered' || user.erasedAt !== null) return null;
  return { user, position: history[history.length - 1].position };
}
