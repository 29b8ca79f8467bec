import type { Role } from '../../domain/shared/event.js';

export interface TokenClaims {
  userId: string;
  role: Role;
  /** The user's token version when the token was issued; a password change moves it on. */
  tokenVersion: number;
}

/** Signed, expiring access tokens (JWT HS256). `verify` answers null for anything not acceptable. */
export interface TokenIssuer {
  issue(claims: TokenClaims): string;
  verify(token: string): TokenClaims | null;
}
