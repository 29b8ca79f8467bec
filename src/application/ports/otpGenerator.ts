/**
 * One-time codes for e-mail verification and password reset. Codes come from a CSPRNG; only the keyed
 * hash is ever stored, bound to the account so equal codes of two users hash differently.
 */
export interface OtpGenerator {
  /** Six decimal digits. */
  generate(): string;
  hash(userId: string, code: string): string;
}
