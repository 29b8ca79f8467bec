import jwt from 'jsonwebtoken';
import { createSecretKey } from 'node:crypto';
import type { Clock } from '../../application/ports/clock.js';
import type { TokenClaims, TokenIssuer } from '../../application/ports/tokenIssuer.js';
import type { Role } from '../../domain/shared/event.js';

const ROLES: readonly Role[] = ['patient', 'doctor', 'admin', 'auditor'];

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
  expiresInSeconds: number;
}

/**
 * HS256 access tokens. Verification pins the algorithm (no `none`, no key confusion) and checks issuer,
 * audience and expiry against the injected clock, so tests can expire tokens without waiting.
 */
export function jwtTokenIssuer(settings: JwtSettings, clock: Clock): TokenIssuer {
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  // Given a string, jsonwebtoken first tries to parse it as a PEM public key on every call (a failed
  // createPublicKey per request was the top CPU cost under load); a KeyObject skips that.
  const key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  return {
    issue: ({ userId, role, tokenVersion }) => jwt.sign({ role, tv: tokenVersion, iat: nowSeconds() }, key, {
      algorithm: 'HS256', subject: userId, issuer: settings.issuer, audience: settings.audience, expiresIn: settings.expiresInSeconds,
    }),
    verify: (token): TokenClaims | null => {
      try {
        const payload = jwt.verify(token, key, {
          algorithms: ['HS256'], issuer: settings.issuer, audience: settings.audience, clockTimestamp: nowSeconds(),
        });
        if (typeof payload !== 'object' || payload === null) return null;
        const { sub, role, tv } = payload as { sub?: unknown; role?: unknown; tv?: unknown };
        if (typeof sub !== 'string' || !ROLES.includes(role as Role) || !Number.isSafeInteger(tv)) return null;
        return { userId: sub, role: role as Role, tokenVersion: tv as number };
      } catch {
        return null;
      }
    },
  };
}
