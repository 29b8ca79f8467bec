import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { claimEmail, emailClaimDecider, normaliseEmail } from '../../domain/identity/emailClaim.js';
import { register, userDecider, type DoctorProfile, type UserRole } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { findEmailClaim, userStream } from './identityStreams.js';

export interface CreateVerifiedUser {
  name: string;
  email: string;
  password: string;
  role: UserRole;
  doctor?: DoctorProfile;
}

/**
 * Accounts an operator vouches for (CLI, demo seed, tests): verified at once, and the only way to
 * make admins and auditors. Answers once the `users` read model has the account, so a token for it
 * is accepted straight away.
 */
export const createVerifiedUser = (deps: IdentityDeps) => async (cmd: CreateVerifiedUser, ctx: CommandContext) => {
  const email = normaliseEmail(cmd.email);
  const userId = deps.handler.ids.next();
  const passwordHash = await deps.hasher.hash(cmd.password);
  const { streamId } = await findEmailClaim(deps, email);
  // A claimed address is refused by claimEmail (on the keyed stream) or here (a legacy claim).
  await handle(deps.handler, streamId, emailClaimDecider, (claim) => claimEmail(claim, { email, userId }), ctx);
  const registered = await handle(deps.handler, userStream(userId), userDecider, (user) => register(user, {
    userId, name: cmd.name, email, role: cmd.role, passwordHash, avatarUrl: null, doctor: cmd.doctor, verification: 'preverified',
  }), ctx);
  await deps.waitForProjections(registered.position);
  return { userId, email, position: registered.position };
};
