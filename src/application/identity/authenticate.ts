import type { Actor } from '../../domain/shared/event.js';
import type { IdentityDeps } from './identityDeps.js';
import { USERS } from './users.projection.js';

/**
 * Bearer token → actor. The signature, algorithm, issuer, audience and expiry are the token issuer's
 * job; here the token must also still match the account: same role and the current token version
 * (a password reset revokes every earlier token), and the account must not have been erased.
 */
export const authenticate = (deps: Pick<IdentityDeps, 'tokens' | 'reads'>) => async (token: string): Promise<Actor | null> => {
  const claims = deps.tokens.verify(token);
  if (!claims) return null;
  const user = await deps.reads.get(USERS, claims.userId);
  if (!user || user.tokenVersion !== claims.tokenVersion || user.role !== claims.role || user.emailVerified !== true || user.erased === true) return null;
  return { userId: claims.userId, role: claims.role };
};
