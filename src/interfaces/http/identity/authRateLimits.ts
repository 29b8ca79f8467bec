import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { sendProblem } from '../problem.js';

const emailOf = (req: Request): string | null => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : null;
};

/**
 * Password and code guessing is slowed twice: per client address and per target account, so neither
 * one address trying many accounts nor many addresses trying one account get far. 429s carry Retry-After.
 * `store` makes each limiter's store (shared by all instances); unset, they count in memory.
 */
export function authRateLimits(perMinute: number, store: () => Store | undefined = () => undefined): RequestHandler[] {
  const common = {
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: ((_req, res) => sendProblem(res, 429, 'rate_limited', 'Too many attempts; wait a minute and retry.')) as RequestHandler,
  };
  return [
    rateLimit({ ...common, store: store(), identifier: 'auth-ip', keyGenerator: (req) => `auth-ip:${ipKeyGenerator(req.ip ?? 'unknown')}` }),
    rateLimit({
      ...common,
      store: store(),
      identifier: 'auth-email',
      skip: (req) => emailOf(req) === null,
      keyGenerator: (req) => `auth-email:${emailOf(req)}`,
    }),
  ];
}
