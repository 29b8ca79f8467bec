import type { RegisteredUser } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { userViewFromState, type UserView } from './userView.js';

/**
 * A token plus the account, once the read model has caught up with `position` — `authenticate`
 * checks token versions there, so the token must not reach the client before the model does.
 */
export async function issueSession(deps: IdentityDeps, user: RegisteredUser, position: number): Promise<{ token: string; user: UserView }> {
  await deps.waitForProjections(position);
  return {
    token: deps.tokens.issue({ userId: user.userId, role: user.role, tokenVersion: user.tokenVersion }),
    user: userViewFromState(user),
  };
}
