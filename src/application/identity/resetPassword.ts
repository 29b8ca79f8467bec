import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { CodeRejected, resetPassword as decideReset, userDecider } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { loadAccountByEmail, userStream } from './identityStreams.js';

/**
 * New password by e-mail code. Answers only once the `users` read model carries the new token
 * version, so every token issued before the reset is refused from that moment on.
 */
export const resetPassword = (deps: IdentityDeps) =>
  async (cmd: { email: string; otp: string; newPassword: string }, ctx: CommandContext): Promise<void> => {
    const account = await loadAccountByEmail(deps, cmd.email);
    if (!account) throw new CodeRejected('none');
    const { userId } = account.user;
    const passwordHash = await deps.hasher.hash(cmd.newPassword);
    const result = await handle(deps.handler, userStream(userId), userDecider, (user) => decideReset(user, {
      codeHash: deps.otp.hash(userId, cmd.otp), passwordHash, now: deps.handler.clock.now().toISOString(),
    // A code is judged on every try: a wrong one's recorded failure must not make a repeat look done.
    }), { ...ctx, idempotencyKey: undefined });
    if (result.appended.some((e) => e.type === 'VerificationCodeFailed')) throw new CodeRejected('wrong');
    await deps.waitForProjections(result.position);
  };
