import jwt from 'jsonwebtoken';
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
  return {
    issue: ({ userId, role, tokenVersion }) => jwt.sign({ role, tv: tokenVersion, iat: nowSeconds() }, settings.secret, {
      algorithm: 'HS256', subject: userId, issuer: settings.issuer, audience: settings.audience, expiresIn: settings.expiresInSeconds,
    }),
    verify: (token): TokenClaims | null => {
      try {
        const payload = jwt.verify(token, settings.secret, {
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
