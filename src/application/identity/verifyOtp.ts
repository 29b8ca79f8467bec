import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { CodeRejected, userDecider, verifyEmail } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { loadAccountByEmail, userStream } from './identityStreams.js';
import { issueSession } from './issueSession.js';

/** E-mail code → verified account and a session. Wrong codes are recorded before the 400, so they count. */
export const verifyOtp = (deps: IdentityDeps) => async (cmd: { email: string; otp: string }, ctx: CommandContext) => {
  const account = await loadAccountByEmail(deps, cmd.email);
  // An unknown address reads like a wrong code: the answer must not reveal which addresses exist.
  if (!account) throw new CodeRejected('none');
  const { userId } = account.user;
  // Every try is judged afresh: under an Idempotency-Key a wrong code's recorded failure would make a
  // repeat look done, and a token must never come out of a replay.
  const result = await handle(deps.handler, userStream(userId), userDecider, (user) => verifyEmail(user, {
    codeHash: deps.otp.hash(userId, cmd.otp), now: deps.handler.clock.now().toISOString(),
  }), { ...ctx, idempotencyKey: undefined });
  if (result.appended.some((e) => e.type === 'VerificationCodeFailed') || result.state.status !== 'registered' || !result.state.emailVerified) {
    throw new CodeRejected('wrong');
  }
  return issueSession(deps, result.state, result.position);
};
