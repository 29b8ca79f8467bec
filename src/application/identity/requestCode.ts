import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { DomainError } from '../../domain/shared/errors.js';
import { issueCode, userDecider, type CodePurpose } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { loadAccountByEmail, userStream } from './identityStreams.js';
import { mailCode } from './codeMail.js';

/**
 * Resend-code and forgot-password: mails a new code when the account exists and may have one now.
 * Every refusal is silent — the caller always answers 202, so nobody learns which addresses exist.
 */
export const requestCode = (deps: IdentityDeps, purpose: CodePurpose) => async (cmd: { email: string }, ctx: CommandContext): Promise<void> => {
  const account = await loadAccountByEmail(deps, cmd.email);
  if (!account) return;
  const { userId } = account.user;
  const code = deps.otp.generate();
  try {
    const issued = await handle(deps.handler, userStream(userId), userDecider, (user) => issueCode(user, {
      purpose, codeHash: deps.otp.hash(userId, code), now: deps.handler.clock.now().toISOString(),
    }), ctx);
    await mailCode(deps, { to: account.user.email, name: account.user.name, purpose, code, codeEventId: issued.lastEventId });
  } catch (error) {
    // Too soon, already verified: expected refusals that must look like success from outside.
    if (!(error instanceof DomainError)) throw error;
  }
};
