import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { EmailTaken, claimEmail, emailClaimDecider, normaliseEmail } from '../../domain/identity/emailClaim.js';
import { register, userDecider, type DoctorProfile } from '../../domain/identity/user.js';
import type { AvatarMimeType } from '../ports/avatarStorage.js';
import type { IdentityDeps } from './identityDeps.js';
import { findEmailClaim, userStream } from './identityStreams.js';
import { mailCode } from './codeMail.js';

export interface SignUp {
  name: string;
  email: string;
  password: string;
  role: 'patient' | 'doctor';
  doctor?: DoctorProfile;
  avatar?: { bytes: Buffer; mimeType: AvatarMimeType };
}

/**
 * Self sign-up: the address is claimed (one winner among simultaneous sign-ups, 409 for the rest),
 * then the account is registered with an e-mail code that is mailed, never stored in plain.
 * Everything that can fail for outside reasons (hashing, the avatar upload) happens before the claim,
 * so a failure never leaves an address claimed by no account. Only a crash between claim and
 * registration can; an operator sees that as a lone `email-…` stream.
 */
export const signUp = (deps: IdentityDeps) => async (cmd: SignUp, ctx: CommandContext) => {
  const email = normaliseEmail(cmd.email);
  // An early answer for the usual case, before any work; the claim below is what actually decides.
  // (A claim released by an erased account leaves the address free again.)
  const found = await findEmailClaim(deps, email);
  if (found.claim.status === 'claimed') throw new EmailTaken();
  const userId = deps.handler.ids.next();
  const passwordHash = await deps.hasher.hash(cmd.password);
  // Only a lost race leaves this picture unreferenced.
  const avatarUrl = cmd.avatar ? (await deps.avatars.save({ userId, ...cmd.avatar })).url : null;
  await handle(deps.handler, found.streamId, emailClaimDecider, (claim) => claimEmail(claim, { email, userId }), ctx);
  const code = deps.otp.generate();
  const registered = await handle(deps.handler, userStream(userId), userDecider, (user) => register(user, {
    userId, name: cmd.name, email, role: cmd.role, passwordHash, avatarUrl, doctor: cmd.doctor,
    verification: { codeHash: deps.otp.hash(userId, code), now: deps.handler.clock.now().toISOString() },
  }), ctx);
  await mailCode(deps, { to: email, name: cmd.name, purpose: 'verify_email', code, codeEventId: registered.lastEventId });
  return { userId, position: registered.position };
};
