import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { sendProblem } from '../problem.js';

const emailOf = (req: Request): string | null => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : null;
};

/**
 * Password and code guessing is slowed twice: per client address and per target account, so neither
 * one address trying many accounts nor many addresses trying one account get far. 429s carry Retry-After.
 */
export function authRateLimits(perMinute: number): RequestHandler[] {
  const common = {
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: ((_req, res) => sendProblem(res, 429, 'rate_limited', 'Too many attempts; wait a minute and retry.')) as RequestHandler,
  };
  return [
    rateLimit({ ...common, identifier: 'auth-ip', keyGenerator: (req) => `auth-ip:${ipKeyGenerator(req.ip ?? 'unknown')}` }),
    rateLimit({
      ...common,
      identifier: 'auth-email',
      skip: (req) => emailOf(req) === null,
      keyGenerator: (req) => `auth-email:${emailOf(req)}`,
    }),
  ];
}
