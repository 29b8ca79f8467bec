import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { claimEmail, emailClaimDecider, normaliseEmail } from '../../domain/identity/emailClaim.js';
import { register, userDecider, type DoctorProfile } from '../../domain/identity/user.js';
import type { AvatarMimeType } from '../ports/avatarStorage.js';
import type { IdentityDeps } from './identityDeps.js';
import { emailStream, userStream } from './identityStreams.js';
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
 * Self sign-up: the address is claimed first (one winner among simultaneous sign-ups, 409 for the
 * rest), then the account is registered with an e-mail code that is mailed, never stored in plain.
 * A crash between claim and registration leaves the address claimed by no account; an operator can
 * see it as a lone `email-…` stream.
 */
export const signUp = (deps: IdentityDeps) => async (cmd: SignUp, ctx: CommandContext) => {
  const email = normaliseEmail(cmd.email);
  const userId = deps.handler.ids.next();
  const passwordHash = await deps.hasher.hash(cmd.password);
  await handle(deps.handler, emailStream(email), emailClaimDecider, (claim) => claimEmail(claim, { email, userId }), ctx);
  // The picture is stored only once the address is ours, so losing a race leaves no orphan file.
  const avatarUrl = cmd.avatar ? (await deps.avatars.save({ userId, ...cmd.avatar })).url : null;
  const code = deps.otp.generate();
  const registered = await handle(deps.handler, userStream(userId), userDecider, (user) => register(user, {
    userId, name: cmd.name, email, role: cmd.role, passwordHash, avatarUrl, doctor: cmd.doctor,
    verification: { codeHash: deps.otp.hash(userId, code), now: deps.handler.clock.now().toISOString() },
  }), ctx);
  await mailCode(deps, { to: email, name: cmd.name, purpose: 'verify_email', code, codeEventId: registered.lastEventId });
  return { userId, position: registered.position };
};
