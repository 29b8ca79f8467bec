import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { AvatarStorage } from '../ports/avatarStorage.js';
import type { Mailer } from '../ports/mailer.js';
import type { OtpGenerator } from '../ports/otpGenerator.js';
import type { PasswordHasher } from '../ports/passwordHasher.js';
import type { TokenIssuer } from '../ports/tokenIssuer.js';

export interface IdentityDeps {
  handler: HandlerDeps;
  reads: ReadView;
  hasher: PasswordHasher;
  tokens: TokenIssuer;
  otp: OtpGenerator;
  mailer: Mailer;
  avatars: AvatarStorage;
  /** The secret naming e-mail claim streams (see identityStreams.ts). */
  emailLookupKey(): Promise<Buffer>;
  /** Read-your-writes: resolves once every projection has passed `position` (false on timeout). */
  waitForProjections(position: number): Promise<boolean>;
  /** Failures that must not fail the request (a code e-mail that did not go out can be re-sent). */
  reportError(error: unknown, message: string): void;
}
