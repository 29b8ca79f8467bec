import { emailClaimDecider, releaseEmailClaim } from '../../domain/identity/emailClaim.js';
import { erasePersonalData as decideErasure, userDecider, type UserEvent } from '../../domain/identity/user.js';
import { fold } from '../../domain/shared/event.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import { findEmailClaim, userStream, type EmailLookup } from '../identity/identityStreams.js';
import type { PersonalDataKeys } from '../ports/personalDataKeys.js';

export interface ErasureDeps extends EmailLookup {
  handler: HandlerDeps;
  keys: PersonalDataKeys;
}

/**
 * Crypto-shredding of one person: records `PersonalDataErased` on their user stream (projections
 * forget them from it), frees their e-mail address for a future account, then destroys their key,
 * after which every sealed field about them reads as forgotten. The steps are in the order a retry
 * can finish: the address is known only while the key still exists, so the key goes last. A repeat
 * request does nothing more and answers the same.
 */
export const erasePersonalData = (deps: ErasureDeps) => async (userId: string, ctx: CommandContext) => {
  const history = await deps.handler.events.readStream(userStream(userId));
  const before = fold(userDecider, history as unknown as UserEvent[]);
  const now = deps.handler.clock.now();
  const erased = await handle(deps.handler, userStream(userId), userDecider, (user) => decideErasure(user, { now: now.toISOString() }), ctx, { history });
  if (before.status === 'registered' && typeof before.email === 'string') {
    const { streamId } = await findEmailClaim(deps, before.email);
    await handle(deps.handler, streamId, emailClaimDecider, (claim) => releaseEmailClaim(claim, { userId }), ctx);
  }
  await deps.keys.erase(userId, now);
  const state = erased.state.status === 'registered' ? erased.state : null;
  return { userId, erasedAt: state?.erasedAt ?? now.toISOString(), position: erased.position };
};
