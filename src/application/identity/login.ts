import { DomainError, Forbidden } from '../../domain/shared/errors.js';
import type { CommandContext } from '../eventSourcing/commandHandler.js';
import type { IdentityDeps } from './identityDeps.js';
import { loadAccountByEmail } from './identityStreams.js';
import { issueSession } from './issueSession.js';

export class BadCredentials extends DomainError {
  constructor() { super('unauthorized', 'invalid_credentials', 'The e-mail address or password is wrong.'); }
}

/**
 * Password sign-in. Unknown address and wrong password give the same answer after the same bcrypt
 * work (a comparison against a throw-away hash), so neither the message nor the timing enumerates accounts.
 */
export const login = (deps: IdentityDeps) => {
  let decoyHash: Promise<string> | null = null;
  return async (cmd: { email: string; password: string }, _ctx: CommandContext) => {
    const account = await loadAccountByEmail(deps, cmd.email);
    if (!account) {
      decoyHash ??= deps.hasher.hash('decoy password that matches nothing');
      await deps.hasher.verify(cmd.password, await decoyHash);
      throw new BadCredentials();
    }
    if (!(await deps.hasher.verify(cmd.password, account.user.passwordHash))) throw new BadCredentials();
    if (!account.user.emailVerified) throw new Forbidden('email_not_verified', 'Confirm your e-mail address with the code we sent first.');
    return issueSession(deps, account.user, account.position);
  };
};
