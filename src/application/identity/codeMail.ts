import type { CodePurpose } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';

const SUBJECTS: Record<CodePurpose, string> = {
  verify_email: 'Your HealthVision verification code',
  reset_password: 'Your HealthVision password reset code',
};

/**
 * Mails a freshly issued code. The plain code exists only here, in memory, between the generator and
 * the mailer. A failed send does not fail the request: the user can ask again after a minute.
 */
export async function mailCode(
  deps: IdentityDeps,
  message: { to: string; name: string; purpose: CodePurpose; code: string; codeEventId: string | null },
): Promise<void> {
  const action = message.purpose === 'verify_email' ? 'confirm your e-mail address' : 'choose a new password';
  try {
    await deps.mailer.send({
      to: message.to,
      subject: SUBJECTS[message.purpose],
      text: `Hello ${message.name},\n\nUse the code ${message.code} to ${action}. It expires in 10 minutes.\n`
        + 'If you did not ask for it, ignore this e-mail.\n',
      idempotencyKey: `identity:code:${message.codeEventId ?? message.to}`,
    });
  } catch (error) {
    deps.reportError(error, 'could not send a verification code e-mail');
  }
}
